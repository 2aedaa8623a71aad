"""StreamField blocks of a lesson body. Each block has its template under
templates/courses/blocks/ and a preview value for the admin's block picker."""
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_FEATURES = ["bold", "italic", "link", "ol", "ul", "code", "document-link"]


class RichTextBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Texte")
        template = "courses/blocks/rich_text.html"
        preview_value = (
            "<p>Une stratégie de groupe (GPO) s'applique à l'ouverture de session "
            "ou au redémarrage, puis toutes les <b>90 minutes</b> environ.</p>"
        )
        description = _("Paragraphes, listes et liens")


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Titre"), max_length=160)
    level = blocks.ChoiceBlock(
        label=_("Niveau"), choices=[("h2", _("Section")), ("h3", _("Sous-section"))], default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Intertitre")
        template = "courses/blocks/heading.html"
        preview_value = {"text": "Vérifier l'application de la stratégie", "level": "h2"}


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Texte alternatif"), max_length=250,
        help_text=_("Décrivez ce que montre l'image pour qui ne la voit pas (obligatoire)."),
    )
    caption = blocks.CharBlock(label=_("Légende"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "courses/blocks/image.html"
        preview_value = {"image": None, "alt": "Capture de la console GPMC", "caption": "La console GPMC"}


class VideoBlock(blocks.StructBlock):
    """A video: either an embed (a URL from a provider such as YouTube or PeerTube) or a file
    uploaded as a document and played with <video>. Exactly one of the two."""

    embed = EmbedBlock(label=_("Vidéo en ligne (URL)"), required=False)
    file = DocumentChooserBlock(label=_("Fichier vidéo (MP4, WebM)"), required=False)
    title = blocks.CharBlock(label=_("Titre"), max_length=160)
    transcript = blocks.TextBlock(
        label=_("Transcription"), required=False, help_text=_("Recommandé : utile sans le son."),
    )

    def clean(self, value):
        value = super().clean(value)
        has_embed = bool(value.get("embed"))
        has_file = bool(value.get("file"))
        if has_embed == has_file:
            message = _("Indiquez soit une URL de vidéo, soit un fichier vidéo (l'un des deux).")
            raise StructBlockValidationError(block_errors={"embed": ErrorList([ValidationError(message)])})
        return value

    class Meta:
        icon = "media"
        label = _("Vidéo")
        template = "courses/blocks/video.html"
        preview_value = {"title": "Démonstration : gpresult /r", "transcript": "On ouvre une invite de commandes…"}


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(label=_("Intitulé"), required=False, max_length=160,
                             help_text=_("Par défaut, le titre du document."))
    description = blocks.TextBlock(label=_("Description"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Document à télécharger")
        template = "courses/blocks/document.html"
        preview_value = {"title": "Fiche réflexe GPO (PDF)", "description": "Une page, à imprimer."}


CODE_LANGUAGES = [
    ("powershell", "PowerShell"),
    ("cmd", _("Invite de commandes")),
    ("bash", "Bash"),
    ("cisco", "Cisco IOS"),
    ("text", _("Texte")),
]


class CodeBlock(blocks.StructBlock):
    language = blocks.ChoiceBlock(label=_("Langage"), choices=CODE_LANGUAGES, default="powershell")
    code = blocks.TextBlock(label=_("Commande ou code"))
    caption = blocks.CharBlock(label=_("Légende"), required=False, max_length=200)

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["language_label"] = dict(CODE_LANGUAGES).get(value.get("language"), "")
        return context

    class Meta:
        icon = "code"
        label = _("Commande / code")
        template = "courses/blocks/code.html"
        preview_value = {"language": "cmd", "code": "gpresult /r /scope computer", "caption": "Stratégies appliquées"}


CALLOUT_KINDS = [("tip", _("Astuce")), ("warning", _("Attention")), ("procedure", _("Procédure"))]


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(label=_("Type"), choices=CALLOUT_KINDS, default="tip")
    title = blocks.CharBlock(label=_("Titre"), required=False, max_length=160)
    body = blocks.RichTextBlock(label=_("Contenu"), features=RICH_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Encadré")
        template = "courses/blocks/callout.html"
        preview_value = {
            "kind": "warning", "title": "Avant de redémarrer",
            "body": "<p>Prévenez l'utilisateur : un <code>gpupdate /force</code> peut demander une déconnexion.</p>",
        }


class StepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Étape"), max_length=200)
    body = blocks.RichTextBlock(label=_("Détails"), required=False, features=RICH_FEATURES)
    command = blocks.TextBlock(label=_("Commande (facultatif)"), required=False)

    class Meta:
        icon = "list-ol"
        label = _("Étape")


class ProcedureBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre de la procédure"), max_length=200)
    steps = blocks.ListBlock(StepBlock(), label=_("Étapes"), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("Procédure pas à pas")
        template = "courses/blocks/procedure.html"
        preview_value = {
            "title": "Forcer l'application des stratégies",
            "steps": [
                {"title": "Ouvrir une invite de commandes", "body": "", "command": ""},
                {"title": "Lancer la mise à jour", "body": "", "command": "gpupdate /force"},
            ],
        }


class KnowledgeProcedureBlock(blocks.StructBlock):
    """A procedure of the knowledge base shown in the lesson as it is published there: one source,
    no copy (the page is named by its model's label, so courses imports nothing of knowledge)."""

    procedure = blocks.PageChooserBlock(label=_("Procédure"), page_type="knowledge.ProcedurePage")
    intro = blocks.CharBlock(label=_("Introduction (facultatif)"), required=False, max_length=300)

    class Meta:
        icon = "doc-full-inverse"
        label = _("Procédure de la base de connaissances")
        template = "courses/blocks/knowledge_procedure.html"
        preview_value = {"procedure": None, "intro": "Suivez la procédure de la base de connaissances :"}


class AnswerBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Réponse proposée"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Bonne réponse"), required=False)
    feedback = blocks.TextBlock(label=_("Explication affichée"), required=False)

    class Meta:
        icon = "radio-empty"
        label = _("Réponse")


class KnowledgeCheckBlock(blocks.StructBlock):
    """A formative question: the learner sees the feedback of the answer they pick. Not graded,
    nothing is stored; it works without JavaScript (each answer is a <details>)."""

    question = blocks.CharBlock(label=_("Question"), max_length=300)
    choices = blocks.ListBlock(AnswerBlock(), label=_("Réponses"), min_num=2)

    def clean(self, value):
        value = super().clean(value)
        if not any(choice.get("correct") for choice in value.get("choices", [])):
            message = _("Indiquez au moins une bonne réponse.")
            raise StructBlockValidationError(block_errors={"choices": ErrorList([ValidationError(message)])})
        return value

    class Meta:
        icon = "help"
        label = _("Vérification des connaissances")
        template = "courses/blocks/knowledge_check.html"
        preview_value = {
            "question": "Quelle commande affiche les stratégies appliquées à l'ordinateur ?",
            "choices": [
                {"text": "gpresult /r /scope computer", "correct": True, "feedback": "Oui : l'étendue ordinateur."},
                {"text": "ipconfig /all", "correct": False, "feedback": "Non : cela affiche la configuration IP."},
            ],
        }


class LessonBodyBlock(blocks.StreamBlock):
    rich_text = RichTextBlock()
    heading = HeadingBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
    code = CodeBlock()
    callout = CalloutBlock()
    procedure = ProcedureBlock()
    knowledge_procedure = KnowledgeProcedureBlock()
    knowledge_check = KnowledgeCheckBlock()

    class Meta:
        block_counts = {}
