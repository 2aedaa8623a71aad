"""Formula injection in the path progress export: a path named `=HYPERLINK(...)` by a lead goes
out as text in CSV and XLSX."""
import csv
import io

from openpyxl import load_workbook

from courses.paths import services

LINK = '=HYPERLINK("http://x","y")'


def test_a_path_named_like_a_formula_is_exported_as_text(client, lead, learner, path):
    path.name = LINK
    path.save()
    services.assignment_create(path=path, staff=learner, by=lead.user)
    client.force_login(lead.user)
    response = client.get("/equipe/parcours/export/?format=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][3] == "'" + LINK

    response = client.get("/equipe/parcours/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cell = sheet.cell(row=2, column=4)
    assert cell.value == LINK and cell.data_type == "s"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
