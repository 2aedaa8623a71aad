"""Each lesson block renders what a learner needs, and refuses what an editor must not publish."""
import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.blocks import StructBlockValidationError
from wagtail.documents.models import Document
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed
from wagtail.images.models import Image

from courses import blocks


def png_bytes(width=1600, height=900):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (11, 92, 173)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image(db):
    return Image.objects.create(title="Console GPMC", file=ContentFile(png_bytes(), name="gpmc.png"))


@pytest.fixture
def video_file(db):
    return Document.objects.create(title="Démo gpresult", file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="demo.mp4"))


def render(block, raw):
    return block.render(block.to_python(raw))


def test_rich_text_renders_its_html(db):
    html = render(blocks.RichTextBlock(), "<p>Une <b>GPO</b> s'applique au démarrage.</p>")
    assert "<b>GPO</b>" in html and 'class="block-rich-text"' in html


def test_heading_renders_the_chosen_level():
    assert render(blocks.HeadingBlock(), {"text": "Vérifier", "level": "h3"}).strip().startswith('<h3 class="block-heading">Vérifier')
    assert "<h2" in render(blocks.HeadingBlock(), {"text": "Vérifier", "level": "h2"})


def test_image_renders_a_resized_rendition_with_its_alt_text(image):
    html = render(blocks.ImageBlock(), {"image": image.pk, "alt": "La console GPMC ouverte", "caption": "GPMC"})
    assert 'alt="La console GPMC ouverte"' in html
    assert 'width="1200"' in html  # a rendition, not the 1600 px original
    assert image.renditions.count() == 1
    assert "<figcaption>GPMC</figcaption>" in html


def test_image_without_alt_text_is_refused(image):
    block = blocks.ImageBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"image": image.pk, "alt": "", "caption": ""}))


def test_video_from_an_uploaded_file_uses_the_video_element(video_file):
    html = render(blocks.VideoBlock(), {"file": video_file.pk, "embed": None, "title": "Démo", "transcript": "On tape gpresult."})
    assert "<video controls" in html and video_file.url in html
    assert "<details" in html and "On tape gpresult." in html


def test_video_from_an_embed_url_renders_the_provider_player(db):
    url = "https://video.example.test/watch/gpresult"
    Embed.objects.create(url=url, hash=get_embed_hash(url), max_width=None, type="video", html='<iframe title="gpresult" src="https://video.example.test/embed/1"></iframe>',
                         provider_name="Example", thumbnail_url="", width=640, height=360)
    html = render(blocks.VideoBlock(), {"embed": url, "file": None, "title": "gpresult", "transcript": ""})
    assert "https://video.example.test/embed/1" in html


def test_video_needs_exactly_one_source(video_file):
    block = blocks.VideoBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"embed": None, "file": None, "title": "Rien", "transcript": ""}))


def test_document_renders_a_download_link():
    document = Document.objects.create(title="Fiche réflexe GPO", file=ContentFile(b"%PDF-1.4", name="fiche.pdf"))
    html = render(blocks.DocumentBlock(), {"document": document.pk, "title": "", "description": "Une page."})
    assert document.url in html and "download" in html and "Fiche réflexe GPO" in html and "PDF" in html


def test_code_snippet_is_escaped_and_has_a_copy_button():
    html = render(blocks.CodeBlock(), {"language": "powershell", "code": "Get-GPResultantSetOfPolicy -ReportType Html -Path <fichier>", "caption": ""})
    assert "&lt;fichier&gt;" in html and "<fichier>" not in html
    assert "data-copy" in html and "PowerShell" in html


@pytest.mark.parametrize("kind,label", [("tip", "Astuce"), ("warning", "Attention"), ("procedure", "Procédure")])
def test_callout_shows_its_kind(kind, label):
    html = render(blocks.CalloutBlock(), {"kind": kind, "title": "Titre", "body": "<p>Texte</p>"})
    assert f"callout-{kind}" in html and label in html and "<p>Texte</p>" in html


def test_procedure_renders_numbered_steps_with_their_commands():
    html = render(blocks.ProcedureBlock(), {"title": "Forcer", "steps": [
        {"title": "Ouvrir cmd", "body": "", "command": ""},
        {"title": "Mettre à jour", "body": "<p>En administrateur.</p>", "command": "gpupdate /force"},
    ]})
    assert "<ol" in html and html.index("Ouvrir cmd") < html.index("Mettre à jour")
    assert "gpupdate /force" in html


def test_knowledge_check_shows_feedback_without_javascript():
    html = render(blocks.KnowledgeCheckBlock(), {"question": "Quelle commande ?", "choices": [
        {"text": "gpresult /r", "correct": True, "feedback": "Elle liste les GPO appliquées."},
        {"text": "ping", "correct": False, "feedback": "Elle teste le réseau."},
    ]})
    assert html.count("<details") == 2
    assert "Bonne réponse." in html and "Elle liste les GPO appliquées." in html
    assert "Pas tout à fait." in html and "<form" not in html  # not graded, nothing posted


def test_knowledge_check_needs_a_right_answer():
    block = blocks.KnowledgeCheckBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(block.to_python({"question": "?", "choices": [
            {"text": "a", "correct": False, "feedback": ""}, {"text": "b", "correct": False, "feedback": ""},
        ]}))


@pytest.mark.parametrize("name", list(blocks.LessonBodyBlock().child_blocks))
def test_every_block_has_a_template_and_renders_its_preview(db, name):
    block = blocks.LessonBodyBlock().child_blocks[name]
    assert block.meta.template.startswith("courses/blocks/")
    html = block.render(block.get_preview_value())
    assert html.strip()
