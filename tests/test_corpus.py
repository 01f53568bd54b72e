"""The domain-randomised training corpus: seeded factors, every factor varies, UBFC layout."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from rppg_bench.datasets.synthetic.corpus import (
    CorpusParams,
    corpus_main,
    draw_factors,
    generate_corpus,
)
from rppg_bench.datasets.synthetic.identities import (
    IDENTITIES,
    LFW_IDENTITIES,
    TRAINING_IDENTITIES,
    identity_photo,
)

#: the portraits, and three of the small LFW faces (all of those: test_every_lfw_face_is_found)
SAMPLE_IDENTITIES = [name for name in IDENTITIES if name not in LFW_IDENTITIES] + list(LFW_IDENTITIES[:3])
from rppg_bench.datasets.ubfc import load_ubfc
from rppg_bench.testing.dataset_checks import check_recording_contract

#: small and short, so a corpus renders in a few seconds
TINY = dict(n_recordings=2, duration=2.0, width=(160, 192), fps=(25, 30))


def file_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("corpus")
    return {"a": generate_corpus(base / "a", CorpusParams(seed=0, **TINY)),
            "b": generate_corpus(base / "b", CorpusParams(seed=0, **TINY), jobs=1),
            "c": generate_corpus(base / "c", CorpusParams(seed=1, **TINY))}


def test_same_seed_same_files(corpora):
    assert file_hashes(corpora["a"]) == file_hashes(corpora["b"])


def test_other_seed_other_recordings(corpora):
    first, other = (json.loads((corpora[k] / "manifest.json").read_text()) for k in ("a", "c"))
    assert [e["factors"] for e in first["recordings"]] != [e["factors"] for e in other["recordings"]]
    assert file_hashes(corpora["a"])["subject1/vid.avi"] != file_hashes(corpora["c"])["subject1/vid.avi"]


def test_ubfc_loader_reads_it(corpora):
    manifest = json.loads((corpora["a"] / "manifest.json").read_text())
    recordings = load_ubfc(corpora["a"])
    assert len(recordings) == TINY["n_recordings"]
    for rec, entry in zip(recordings, manifest["recordings"]):
        frames = check_recording_contract(rec, "ubfc")
        assert rec.fps == entry["factors"]["fps"]
        assert frames[0].shape == (entry["factors"]["size"][1], entry["factors"]["size"][0], 3)
        assert (corpora["a"] / entry["truth"]).is_file()


def test_manifest_factors_match_what_was_rendered(corpora):
    for entry in json.loads((corpora["a"] / "manifest.json").read_text())["recordings"]:
        f = entry["factors"]
        assert entry["appearance"]["flip"] == f["mirrored"]
        assert entry["morphology"] == pytest.approx(f["morphology"])
        assert entry["noise_sd"] == pytest.approx(f["noise_sd"])
        assert entry["compression"]["quality"] == f["mjpg_quality"]
        assert abs(entry["hr_mean_bpm"] - f["hr_bpm"]) < 0.2 * f["hr_bpm"]


def test_every_factor_varies():
    params = CorpusParams(seed=7)
    plans = [draw_factors(params, i) for i in range(40)]
    assert plans == [draw_factors(params, i) for i in range(40)]
    for name in plans[0]:
        assert len({json.dumps(p[name]) for p in plans}) > 1, name
    hr = np.array([p["hr_bpm"] for p in plans])
    assert 40 <= hr.min() and hr.max() <= 180 and np.ptp(hr) > 80
    assert all(320 <= p["size"][0] <= 640 and p["size"][1] * 4 == p["size"][0] * 3 for p in plans)
    assert all(25 <= p["fps"] <= 60 for p in plans)


@pytest.mark.parametrize("name", SAMPLE_IDENTITIES)
def test_identity_loads_and_has_a_face(name):
    from rppg_bench.datasets.synthetic.scene import Scene
    scene = Scene.from_photo(identity_photo(name))
    assert scene.skin_mask.mean() > 0.005


def test_command_line(tmp_path, capsys):
    root = corpus_main(["--out", str(tmp_path / "cli"), "--n", "1", "--seed", "3", "--duration", "1"])
    assert (root / "manifest.json").is_file() and (root / "subject1" / "vid.avi").is_file()
    assert "1 recordings" in capsys.readouterr().out


def test_training_corpora_never_draw_held_out_faces():
    from rppg_bench.datasets.synthetic.identities import (
        HELD_OUT_IDENTITIES,
        TRAINING_IDENTITIES,
    )
    assert not set(HELD_OUT_IDENTITIES) & set(TRAINING_IDENTITIES)
    assert not set(LFW_IDENTITIES) & (set(HELD_OUT_IDENTITIES) | set(TRAINING_IDENTITIES))
    assert set(HELD_OUT_IDENTITIES) | set(TRAINING_IDENTITIES) | set(LFW_IDENTITIES) == set(IDENTITIES)
    drawn = {draw_factors(CorpusParams(seed=3), i)["identity"] for i in range(60)}
    assert drawn == set(TRAINING_IDENTITIES)
    held = {draw_factors(CorpusParams(seed=3, identities=HELD_OUT_IDENTITIES), i)["identity"] for i in range(10)}
    assert held == set(HELD_OUT_IDENTITIES)


@pytest.mark.parametrize("name", SAMPLE_IDENTITIES)
def test_warped_photo_is_another_face_that_facemesh_still_finds(name):
    from rppg_bench.datasets.synthetic.corpus import recording_scene
    photo = identity_photo(name)
    strongest = CorpusParams().warp[1]
    factors = {"identity": name, "warp": strongest, "warp_seed": 5}
    scene, used = recording_scene(factors, {name: photo})
    plain, none = recording_scene({**factors, "warp": 0.0}, {name: photo})
    assert none == 0.0 and used > 0
    moved = np.linalg.norm(scene.landmarks - plain.landmarks, axis=1)
    side = min(photo.shape[:2])
    assert np.median(moved) > 0.002 * side, "the warp must change the face's shape"
    assert moved.max() < 2.5 * used * side
    assert scene.skin_mask.mean() > 0.005
    assert np.array_equal(plain.image, photo)


def test_a_warp_that_hides_the_face_is_weakened_and_recorded(monkeypatch):
    from rppg_bench.datasets.synthetic import corpus
    from rppg_bench.datasets.synthetic.scene import Scene
    real = Scene.from_photo
    photo = identity_photo("astronaut")

    def picky(image):
        if not np.array_equal(image, photo):  # any warp: "no face"
            raise RuntimeError("FaceMesh found no face in the synthetic base image")
        return real(image)

    monkeypatch.setattr(corpus.Scene, "from_photo", staticmethod(picky))
    scene, used = corpus.recording_scene({"identity": "astronaut", "warp": 0.03, "warp_seed": 1}, {"astronaut": photo})
    assert used == 0.0 and np.array_equal(scene.image, photo)


@pytest.mark.slow
def test_every_lfw_face_is_found_and_the_others_are_not():
    """The LFW identities are exactly the faces of ``lfw_subset`` FaceMesh finds once enlarged."""
    from rppg_bench.datasets.synthetic.identities import (
        LFW_NO_FACE,
        LFW_SUBSET_FACES,
        lfw_face,
    )
    from rppg_bench.datasets.synthetic.scene import Scene

    assert len(LFW_IDENTITIES) == LFW_SUBSET_FACES - len(LFW_NO_FACE) == 97
    for name in LFW_IDENTITIES:
        photo = identity_photo(name)
        assert photo.shape == (400, 400, 3) and photo.dtype == np.uint8
        assert Scene.from_photo(photo).skin_mask.mean() > 0.005, name
    for index in LFW_NO_FACE:
        with pytest.raises(RuntimeError, match="no face"):
            Scene.from_photo(lfw_face(index))
    with pytest.raises(ValueError, match="lfw_subset holds faces 0-99"):
        lfw_face(100)


def test_command_line_draws_the_chosen_face_set(tmp_path):
    root = corpus_main(["--out", str(tmp_path / "lfw"), "--n", "2", "--seed", "3", "--duration", "1",
                        "--faces", "lfw"])
    drawn = [r["factors"]["identity"] for r in json.loads((root / "manifest.json").read_text())["recordings"]]
    assert drawn and set(drawn) <= set(LFW_IDENTITIES)
    with pytest.raises(SystemExit):
        corpus_main(["--out", str(tmp_path / "no"), "--held-out", "--faces", "lfw"])


def test_a_corpus_can_leave_out_the_faces_another_drew(tmp_path):
    from rppg_bench.datasets.synthetic.corpus import (
        faces_drawn_by,
        identities_drawn,
        recorded_params,
    )
    from rppg_bench.datasets.synthetic.write import read_manifest

    train = corpus_main(["--out", str(tmp_path / "train"), "--n", "3", "--seed", "4", "--duration", "0.5",
                         "--faces", "lfw"])
    recorded = [r["factors"]["identity"] for r in json.loads((train / "manifest.json").read_text())["recordings"]]
    assert faces_drawn_by(train) == faces_drawn_by(train / "manifest.json") == set(recorded)
    assert identities_drawn(recorded_params(read_manifest(train))) == set(recorded)  # the parameters alone
    unseen = corpus_main(["--out", str(tmp_path / "test"), "--n", "2", "--seed", "5", "--duration", "0.5",
                          "--faces", "lfw", "--exclude-drawn-by", str(train)])
    drawn = {r["factors"]["identity"] for r in json.loads((unseen / "manifest.json").read_text())["recordings"]}
    assert drawn and not drawn & set(recorded) and drawn <= set(LFW_IDENTITIES)
    third = corpus_main(["--out", str(tmp_path / "val"), "--n", "3", "--seed", "6", "--duration", "0.5",
                         "--faces", "lfw", "--exclude-drawn-by", str(train), str(unseen / "manifest.json")])
    kept = {r["factors"]["identity"] for r in json.loads((third / "manifest.json").read_text())["recordings"]}
    assert kept and not kept & (set(recorded) | drawn)  # several manifests: the union is left out
    params_only = _write_params(tmp_path, identities=list(TRAINING_IDENTITIES), n=40)
    assert faces_drawn_by(params_only) == set(TRAINING_IDENTITIES)  # recomputed from the parameters
    with pytest.raises(SystemExit):  # every training face was drawn by a corpus of them
        corpus_main(["--out", str(tmp_path / "none"), "--faces", "training", "--exclude-drawn-by", str(params_only)])
    with pytest.raises(ValueError, match="not a corpus manifest"):
        faces_drawn_by(tmp_path / "test" / "truth")


def _write_params(tmp_path, *, identities, n):
    """A manifest holding only corpus parameters (what ``--exclude-drawn-by`` reads)."""
    from rppg_bench.datasets.synthetic.corpus import CorpusParams

    params = CorpusParams(seed=0, n_recordings=n, identities=tuple(identities)).as_dict()
    path = tmp_path / "params" / "manifest.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"params": params}))
    return path


def test_command_line_ranges_are_drawn_from_and_recorded(tmp_path, capsys):
    from rppg_bench.datasets.synthetic.corpus import factor_ranges
    from rppg_bench.datasets.synthetic.write import read_manifest
    root = corpus_main(["--out", str(tmp_path / "hard"), "--n", "3", "--seed", "3", "--duration", "0.5",
                        "--range", "noise_sd", "6", "7", "--range", "fps", "25", "25", "--range", "hr_bpm", "50", "50"])
    manifest = read_manifest(root)
    assert manifest["params"]["noise_sd"] == [6.0, 7.0] and manifest["params"]["fps"] == [25, 25]
    for rec in manifest["recordings"]:
        assert 6.0 <= rec["factors"]["noise_sd"] <= 7.0
        assert rec["factors"]["fps"] == 25 and rec["factors"]["hr_bpm"] == 50.0
    assert factor_ranges([]) == {}
    for bad, message in ((["skin", "0", "1"], "not a factor"), (["hr_bpm", "90", "60"], "low <= high"),
                         (["hr_bpm", "x", "60"], "numbers"), (["fps", "25.5", "30"], "whole numbers")):
        with pytest.raises(ValueError, match=message):
            factor_ranges([bad])
    with pytest.raises(ValueError, match="twice"):
        factor_ranges([["hr_bpm", "50", "60"], ["hr_bpm", "50", "60"]])
    with pytest.raises(SystemExit):
        corpus_main(["--out", str(tmp_path / "no"), "--range", "identities", "0", "1"])
    assert "not a factor drawn from a range" in capsys.readouterr().err
