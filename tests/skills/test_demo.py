"""The demo seed: catalogue, role profiles, and a realistic matrix for the demo accounts."""
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from academy import demo as academy_demo
from academy.models import Staff
from skills import demo
from skills.models import Evidence, RoleProfile, SelfAssessment, Skill, SkillChange
from skills.selectors import gaps_for_staff

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_technicien_levels_gaps_expiries_and_pending_self_assessments():
    academy_demo.seed(stdout=io.StringIO(), staff_count=12)
    demo.seed(stdout=io.StringIO())
    assert Skill.objects.count() >= 60 and RoleProfile.objects.count() >= 6
    technicien = Staff.objects.get(user__username="technicien")
    gaps = [g for g in gaps_for_staff(staff=technicien) if not g.met]
    assert gaps and any(g.level > 0 for g in gaps_for_staff(staff=technicien))
    horizon = timezone.now() + timedelta(days=90)
    assert technicien.skill_levels.filter(level__gt=0, valid_until__lte=horizon).exists()
    assert SelfAssessment.objects.filter(staff=technicien, status="pending").count() == 2
    assert Evidence.objects.exclude(staff=technicien).exists()
    counts = (Evidence.objects.count(), SkillChange.objects.count(), SelfAssessment.objects.count())
    demo.seed(stdout=io.StringIO())
    assert (Evidence.objects.count(), SkillChange.objects.count(), SelfAssessment.objects.count()) == counts
