app_name = "xapi"

urlpatterns: list = []
