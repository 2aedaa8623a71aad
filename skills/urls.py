from django.urls import path

from skills import views

app_name = "skills"

urlpatterns = [
    path("mes-competences/", views.my_skills, name="my_skills"),
    path("mes-competences/auto-evaluation/", views.self_assess, name="self_assess"),
    path("equipe/", views.team, name="team"),
    path("equipe/export/", views.team_export, name="team_export"),
    path("equipe/couverture/", views.coverage, name="coverage"),
    path("equipe/validations/", views.validation_queue, name="validation_queue"),
    path("equipe/validations/<int:assessment_id>/", views.validation_decide, name="validation_decide"),
    path("equipe/collaborateur/<str:employee_id>/", views.staff_detail, name="staff_detail"),
    path("equipe/collaborateur/<str:employee_id>/preuve/", views.staff_record_evidence, name="record_evidence"),
    path("equipe/collaborateur/<str:employee_id>/preuve/<int:evidence_id>/revoquer/", views.staff_revoke_evidence,
         name="revoke_evidence"),
]
