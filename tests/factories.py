"""Shared factories: organisation and taxonomy. Each app's tests keep their own factories in
tests/<app>/factories.py and build on these."""
import factory
from django.contrib.auth import get_user_model

from academy.models import Staff, Team
from skills.models import Domain, ProficiencyLevel, Skill


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", "academie")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Équipe {n}")


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff

    user = factory.SubFactory(UserFactory)
    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    profile = "technician"
    tier = "N1"
    team = factory.SubFactory(TeamFactory)
    languages = factory.LazyFunction(lambda: ["fr"])
    active = True


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n}")
    name_fr = factory.LazyAttribute(lambda d: f"Domaine {d.code}")
    name_en = factory.LazyAttribute(lambda d: f"Domain {d.code}")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("code",)

    domain = factory.SubFactory(DomainFactory)
    code = factory.Sequence(lambda n: f"SK.{n}")
    name_fr = factory.LazyAttribute(lambda s: f"Compétence {s.code}")
    name_en = factory.LazyAttribute(lambda s: f"Skill {s.code}")


DEFAULT_SCALE = [
    (0, "Aucune", "None"),
    (1, "Notions", "Awareness"),
    (2, "Opérationnel", "Practitioner"),
    (3, "Avancé", "Advanced"),
    (4, "Expert", "Expert"),
]


def scale_create():
    for level, fr, en in DEFAULT_SCALE:
        ProficiencyLevel.objects.get_or_create(level=level, defaults={"label_fr": fr, "label_en": en})
