from django.urls import path

from courses import views

app_name = "courses"

urlpatterns = [
    path("mes-formations/", views.my_learning, name="my_learning"),
    path("mes-formations/inscription/<int:course_id>/", views.course_enrol, name="enrol"),
    path("mes-formations/quitter/<int:course_id>/", views.course_leave, name="leave"),
    path("mes-formations/reprendre/<int:course_id>/", views.course_resume, name="resume"),
    path("mes-formations/lecons/<int:lesson_id>/terminer/", views.lesson_complete, name="lesson_complete"),
]
