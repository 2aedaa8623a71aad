from tests.factories import DomainFactory, SkillFactory  # noqa: F401
