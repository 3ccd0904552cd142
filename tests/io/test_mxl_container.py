"""Finding the score inside an .mxl archive, including archives whose container.xml is broken."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from melodystudio.core.errors import FileFormatError
from melodystudio.io.musicxml import read_musicxml, write_musicxml
from tests.conftest import twinkle
from tests.io.openewld_survey import OPENEWLD
from tests.io.test_musicxml import ATTRIBUTES, note_xml, score_xml

# The container as one program writes it: an apostrophe in a single-quoted attribute is not XML
BROKEN = ("<?xml version='1.0' encoding='UTF-8'?><container><rootfiles><rootfile full-path='{}'/>"
          "</rootfiles></container>")
VALID = ('<?xml version="1.0"?><container><rootfiles><rootfile full-path="{}" '
         'media-type="application/vnd.recordare.musicxml+xml"/></rootfiles></container>')


def tune(step: str) -> str:
    """A one-note score, so that the test can tell which file of the archive was read."""
    return score_xml(("Voice", [ATTRIBUTES + note_xml(step, 4, 12)]))


def archive(path: Path, container: str | None, scores: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.recordare.musicxml")
        if container is not None:
            z.writestr("META-INF/container.xml", container)
        for name, text in scores.items():
            z.writestr(name, text)
    return path


def first_pitch(path: Path) -> int:
    return read_musicxml(path)[0].notes[0].pitch


def test_a_broken_container_with_one_score_reads_that_score(tmp_path: Path) -> None:
    path = archive(tmp_path / "a.mxl", BROKEN.format("We're in the Money.xml"), {"We're in the Money.xml": tune("D")})
    assert first_pitch(path) == 62
    path = archive(tmp_path / "b.mxl", "<container><rootfiles>", {"song.musicxml": tune("E")})  # cut short
    assert first_pitch(path) == 64


def test_of_several_scores_the_one_a_broken_container_names_is_read(tmp_path: Path) -> None:
    scores = {"Lady's Song.xml": tune("C"), "Lady's Song.xml.xml": tune("D"), "parts/Piano.xml": tune("E")}
    assert first_pitch(archive(tmp_path / "a.mxl", BROKEN.format("Lady's Song.xml"), scores)) == 60
    assert first_pitch(archive(tmp_path / "b.mxl", BROKEN.format("Lady's Song.xml.xml"), scores)) == 62
    entity = BROKEN.replace("'{}'", '"{}"').format("Lady&apos;s Song.xml.xml") + "<broken"
    assert first_pitch(archive(tmp_path / "c.mxl", entity, scores)) == 62


def test_a_valid_container_still_decides_and_a_missing_one_is_not_needed(tmp_path: Path) -> None:
    scores = {"a.xml": tune("C"), "b.xml": tune("D")}
    assert first_pitch(archive(tmp_path / "a.mxl", VALID.format("b.xml"), scores)) == 62
    assert first_pitch(archive(tmp_path / "b.mxl", None, {"only.musicxml": tune("G")})) == 67
    # it names a file the archive lacks: the only score there is read
    assert first_pitch(archive(tmp_path / "c.mxl", VALID.format("gone.xml"), {"here.xml": tune("A")})) == 69


@pytest.mark.parametrize(("container", "names"), [
    (BROKEN.format("Someone's Else.xml"), "a.xml, b.xml"),  # broken, names neither
    (None, "a.xml, b.xml"),
    (VALID.format("gone.xml"), "a.xml, b.xml"),
])
def test_several_scores_and_no_usable_container_is_a_clear_error(tmp_path: Path, container: str | None,
                                                                names: str) -> None:
    path = archive(tmp_path / "x.mxl", container, {"a.xml": tune("C"), "b.xml": tune("D")})
    with pytest.raises(FileFormatError) as info:
        read_musicxml(path)
    assert str(info.value) == (f"x.mxl: the archive holds 2 MusicXML files ({names}) and its "
                               "META-INF/container.xml does not say which one is the score")


def test_our_own_archives_still_round_trip(tmp_path: Path) -> None:
    write_musicxml(twinkle(), tmp_path / "t.mxl")
    assert read_musicxml(tmp_path / "t.mxl")[0].content()[2:] == twinkle().content()[2:]


def test_openewld_lead_sheet_with_a_broken_container() -> None:
    path = OPENEWLD / "A._Emmett_Adams-Douglas_Furber__The_Bells_of_St._Mary_s.mxl"
    if not path.exists():
        pytest.skip("the OpenEWLD data set (../shared/data/openewld) is not on this machine")
    with zipfile.ZipFile(path) as z:
        assert z.namelist() == ["META-INF/container.xml", "The Bells of St. Mary's.xml"]
        assert b"full-path='The Bells of St. Mary's.xml'" in z.read("META-INF/container.xml")
    song, _ = read_musicxml(path)
    assert song.title == "The Bells Of St Mary's" and len(song.notes) == 94 and len(song.chords) == 25
    assert song.lyric_text().startswith("The bells of St Mary's ah! hear they are calling")
