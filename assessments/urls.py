from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("examens/", views.exam_list, name="exam_list"),
    path("examens/tentatives/<int:pk>/", views.attempt_take, name="attempt_take"),
    path("examens/tentatives/<int:pk>/reponse/", views.attempt_answer, name="attempt_answer"),
    path("examens/tentatives/<int:pk>/etat.json", views.attempt_state, name="attempt_state"),
    path("examens/tentatives/<int:pk>/rendre/", views.attempt_submit, name="attempt_submit"),
    path("examens/tentatives/<int:pk>/resultat/", views.attempt_result, name="attempt_result"),
    path("examens/<slug:slug>/", views.exam_detail, name="exam_detail"),
    path("examens/<slug:slug>/commencer/", views.attempt_start, name="attempt_start"),
    path("certificats/", views.my_certifications, name="my_certifications"),
    path("certificats/equipe/", views.team_certifications, name="team_certifications"),
    path("certificats/verifier/", views.verify, name="verify_form"),
    path("certificats/verifier/<str:code>/", views.verify, name="verify"),
    path("certificats/obtenir/<str:code>/", views.certification_claim, name="certification_claim"),
    path("certificats/<str:code>/certificat.pdf", views.award_pdf, name="award_pdf"),
    path("certificats/<str:code>/badge.json", views.award_badge, name="badge"),
    path("certificats/<str:code>/badge.jwt", views.award_badge_jwt, name="badge_jwt"),
    path("certificats/badges/cles.json", views.badge_keys, name="badge_keys"),
    path("certificats/<str:code>/revoquer/", views.award_revoke, name="award_revoke"),
]
