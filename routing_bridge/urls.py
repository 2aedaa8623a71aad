app_name = "routing_bridge"

urlpatterns: list = []
