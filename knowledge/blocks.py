"""StreamField blocks of the knowledge base: a procedure's numbered steps (the course's step, plus a
screenshot) and the checks of a configuration standard. Templates under templates/knowledge/blocks/."""
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from courses.blocks import CODE_LANGUAGES, RICH_FEATURES, StepBlock


class ProcedureStepBlock(StepBlock):
    """A step of a procedure: the course's step (title, details, command) with the command's
    language and an optional screenshot."""

    language = blocks.ChoiceBlock(label=_("Langage de la commande"), choices=CODE_LANGUAGES, default="powershell",
                                  required=False)
    screenshot = ImageChooserBlock(label=_("Capture d'écran"), required=False)
    screenshot_alt = blocks.CharBlock(label=_("Texte alternatif de la capture"), required=False, max_length=250)

    class Meta:
        icon = "list-ol"
        label = _("Étape")
        template = "knowledge/blocks/step.html"
        preview_value = {"title": "Ouvrir Exchange Online PowerShell", "body": "",
                         "command": "Connect-ExchangeOnline -UserPrincipalName admin@contoso.fr",
                         "language": "powershell"}


class CheckBlock(blocks.StructBlock):
    """A check that proves a system conforms to a standard: what to look at, and the command."""

    text = blocks.CharBlock(label=_("Contrôle"), max_length=300)
    details = blocks.RichTextBlock(label=_("Détails"), required=False, features=RICH_FEATURES)
    command = blocks.TextBlock(label=_("Commande (facultatif)"), required=False)
    language = blocks.ChoiceBlock(label=_("Langage"), choices=CODE_LANGUAGES, default="powershell", required=False)

    class Meta:
        icon = "tick"
        label = _("Contrôle de conformité")
        template = "knowledge/blocks/check.html"
        preview_value = {"text": "La journalisation d'audit des boîtes est active",
                         "command": "Get-OrganizationConfig | Format-List AuditDisabled", "language": "powershell"}


class ProcedureStepsBlock(blocks.StreamBlock):
    step = ProcedureStepBlock()

    class Meta:
        min_num = 1


class ChecksBlock(blocks.StreamBlock):
    check = CheckBlock()
