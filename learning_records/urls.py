from django.urls import path

from learning_records import views

app_name = "xapi"

urlpatterns = [
    path("xapi/statements", views.statements, name="statements"),
]
