from django.urls import path

from courses.paths import views

app_name = "paths"

urlpatterns = [
    path("equipe/parcours/", views.team_paths, name="team_paths"),
    path("equipe/parcours/nouveau/", views.path_create, name="path_create"),
    path("equipe/parcours/export/", views.team_export, name="team_export"),
    path("equipe/parcours/combler/", views.gap_close, name="gap_close"),
    path("equipe/parcours/<int:path_id>/", views.path_detail, name="path_detail"),
    path("equipe/parcours/<int:path_id>/modifier/", views.path_edit, name="path_edit"),
    path("equipe/parcours/<int:path_id>/etapes/", views.step_add, name="step_add"),
    path("equipe/parcours/<int:path_id>/etapes/<int:step_id>/supprimer/", views.step_remove, name="step_remove"),
    path("equipe/parcours/<int:path_id>/etapes/<int:step_id>/deplacer/", views.step_move, name="step_move"),
    path("equipe/parcours/<int:path_id>/assigner/", views.path_assign, name="path_assign"),
    path("equipe/parcours/regles/<int:rule_id>/desactiver/", views.rule_deactivate, name="rule_deactivate"),
    path("equipe/parcours/affectations/<int:assignment_id>/", views.assignment_detail, name="assignment_detail"),
    path("equipe/parcours/affectations/<int:assignment_id>/retirer/", views.assignment_withdraw,
         name="assignment_withdraw"),
    path("mes-formations/parcours/", views.my_paths, name="my_paths"),
    path("mes-formations/parcours/<int:assignment_id>/", views.my_path, name="my_path"),
]
