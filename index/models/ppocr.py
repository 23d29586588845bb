"""PP-OCR's text detection and recognition on onnxruntime, with numpy, SciPy and Pillow doing the
image work: the steps and settings of RapidOCR (whose wheel ships the models, `models/`) without
its OpenCV (173 MB installed). Detection (DBNet) gives a map of where text is: its connected
regions become rotated rectangles, widened as DB's "unclip" widens them; each is cut out along its
slant and read by the recognizer, a CTC decoder over the character list inside the model file.
Measured against RapidOCR on the same pages (docs/measured.md, "Photos and scans")."""

from __future__ import annotations

import importlib.util
import math
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .packaged import CORES

DET_MODEL, REC_MODEL = "PP-OCRv6_det_small.onnx", "PP-OCRv6_rec_small.onnx"
SIDES = (30, 2000)  # a picture is first brought within these (RapidOCR's Global.min/max_side_len)
TEXT, BOX, UNCLIP = 0.3, 0.5, 1.6  # DB: a pixel is text above TEXT, a region above BOX on average
SMALLEST = 3  # pixels: a region narrower than this is no text
LINE = 10  # pixels: boxes whose tops are closer are on one line when sorting
HEIGHT, WIDTH = 48, 320  # the recognizer's input: its height, and its least width
SURE = 0.5  # a line read with less confidence is dropped (RapidOCR's Global.text_score)


def models_folder() -> Path | None:
    """Where the installed rapidocr package keeps its models, without importing it (that would
    import OpenCV); None when it is not installed."""
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "models"
    return folder if (folder / DET_MODEL).exists() and (folder / REC_MODEL).exists() else None


class Reader:
    """The two models, loaded once."""

    def __init__(self, folder: Path, detect_side: int) -> None:
        self._side = detect_side  # the detector sees the picture at most this large (Det.limit_side_len)
        import onnxruntime

        def load(name: str, threads: int):
            options = onnxruntime.SessionOptions()
            options.log_severity_level, options.intra_op_num_threads = 3, threads
            return onnxruntime.InferenceSession(str(folder / name), options, providers=["CPUExecutionProvider"])

        # The detector on every core; the recognizer on one per call, lines read side by side.
        self._detector, self._recognizer = load(DET_MODEL, 0), load(REC_MODEL, 1)
        listed = self._recognizer.get_modelmeta().custom_metadata_map["character"].splitlines()
        self._characters = ["", *listed, " "]  # the CTC blank first, a space last, as PP-OCR's

    def __call__(self, pixels: np.ndarray) -> list[tuple[np.ndarray, str, float]]:
        """Each line read: its four corners (clockwise from the top left), text and confidence."""
        from PIL import Image

        picture, scale = _within(Image.fromarray(pixels))
        picture, top = _padded(picture)
        boxes = self._detect(picture)
        lines = self._recognise([_cut(picture, box) for box in boxes])
        found = []
        for box, (text, score) in zip(boxes, lines):
            if text and score >= SURE:
                found.append(((box - [0, top]) * scale, text, score))
        return found

    def _detect(self, picture) -> list[np.ndarray]:
        from scipy import ndimage

        width, height = picture.size
        ratio = min(1.0, self._side / max(width, height))
        size = (max(32, round(width * ratio / 32) * 32), max(32, round(height * ratio / 32) * 32))
        tensor = (np.asarray(picture.resize(size), dtype=np.float32) / 255 - 0.5) / 0.5
        chance = self._detector.run(None, {self._detector.get_inputs()[0].name: tensor.transpose(2, 0, 1)[None]})[0][0, 0]
        mask = ndimage.binary_dilation(chance > TEXT, structure=np.ones((2, 2), dtype=bool))
        regions, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
        boxes = []
        for number, where in enumerate(ndimage.find_objects(regions), start=1):
            ys, xs = np.nonzero(regions[where] == number)
            points = np.column_stack([xs + where[1].start, ys + where[0].start]).astype(np.float64)
            corners, short = _smallest_rectangle(points)
            if short < SMALLEST or _mean_inside(chance, corners) < BOX:
                continue
            corners, short = _widened(corners)
            if short < SMALLEST + 2:
                continue
            corners = np.clip(np.round(corners / [chance.shape[1], chance.shape[0]] * [width, height]),
                              0, [width - 1, height - 1])
            if np.linalg.norm(corners[0] - corners[1]) > 3 and np.linalg.norm(corners[0] - corners[3]) > 3:
                boxes.append(corners)
        return _reading_order(boxes)

    def _recognise(self, cuts: list) -> list[tuple[str, float]]:
        """Each line on its own (no padding to a batch's widest), on every core at once: a
        50-line page 3.4-3.6 s against 4.1-4.3 in batches of 6 on onnxruntime's own threads."""
        from PIL import Image

        def read(cut) -> tuple[str, float]:
            wide = math.ceil(HEIGHT * cut.width / cut.height)
            line = np.zeros((1, 3, HEIGHT, max(wide, WIDTH)), dtype=np.float32)
            pixels = np.asarray(cut.resize((wide, HEIGHT), Image.BILINEAR), dtype=np.float32)
            line[0, :, :, :wide] = (pixels.transpose(2, 0, 1) / 255 - 0.5) / 0.5
            return self._decoded(self._recognizer.run(None, {self._recognizer.get_inputs()[0].name: line})[0][0])

        with ThreadPoolExecutor(CORES) as pool:
            return list(pool.map(read, cuts))

    def _decoded(self, chances: np.ndarray) -> tuple[str, float]:
        """CTC: the likeliest character at each step, repeats merged, blanks dropped."""
        best, sure = chances.argmax(axis=1), chances.max(axis=1)
        kept = np.ones(len(best), dtype=bool)
        kept[1:] = best[1:] != best[:-1]
        kept &= best != 0
        text = "".join(self._characters[i] for i in best[kept])
        return text, float(sure[kept].mean()) if kept.any() else 0.0


def _within(picture):
    """The picture within SIDES (RapidOCR's resize_image_within_bounds), and the scale back."""
    width, height = picture.size
    ratio = 1.0
    if max(width, height) > SIDES[1]:
        ratio = SIDES[1] / max(width, height)
    elif min(width, height) < SIDES[0]:
        ratio = SIDES[0] / min(width, height)
    if ratio == 1.0:
        return picture, np.array([1.0, 1.0])
    size = (max(32, round(width * ratio / 32) * 32), max(32, round(height * ratio / 32) * 32))
    return picture.resize(size), np.array([width / size[0], height / size[1]])


def _padded(picture, ratio: float = 8, least: int = 30):
    """A single wide line gets black bands above and below (RapidOCR's vertical padding), so the
    detector sees it whole; returns the picture and the band's height."""
    from PIL import Image

    width, height = picture.size
    if height > least and width / height <= ratio:
        return picture, 0
    band = int(abs(max(int(width / ratio), least) * 2 - height) / 2)
    padded = Image.new("RGB", (width, height + 2 * band))
    padded.paste(picture, (0, band))
    return padded, band


def _smallest_rectangle(points: np.ndarray) -> tuple[np.ndarray, float]:
    """The rotated rectangle of least area around `points` (rotating calipers over their hull),
    as four corners clockwise from the top left, and its shorter side."""
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = points[ConvexHull(points).vertices]
    except (QhullError, ValueError):  # a line or a dot: no area
        return points[:4] if len(points) >= 4 else np.repeat(points[:1], 4, axis=0), 0.0
    best = None
    for a, b in zip(hull, np.roll(hull, -1, axis=0)):
        angle = math.atan2(b[1] - a[1], b[0] - a[0])
        turn = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
        turned = hull @ turn.T
        low, high = turned.min(axis=0), turned.max(axis=0)
        area = float(np.prod(high - low))
        if best is None or area < best[0]:
            corners = np.array([[low[0], low[1]], [high[0], low[1]], [high[0], high[1]], [low[0], high[1]]])
            best = (area, corners @ turn, float(min(high - low)))
    return _clockwise(best[1]), best[2]


def _widened(corners: np.ndarray) -> tuple[np.ndarray, float]:
    """DB's unclip: the rectangle moved out by area x UNCLIP / perimeter on every side."""
    across = np.linalg.norm(corners[1] - corners[0])
    down = np.linalg.norm(corners[3] - corners[0])
    if across == 0 or down == 0:
        return corners, 0.0
    distance = across * down * UNCLIP / (2 * (across + down))
    along, up = (corners[1] - corners[0]) / across, (corners[3] - corners[0]) / down
    moved = corners + distance * np.array([-along - up, along - up, along + up, -along + up])
    return moved, min(across, down) + 2 * distance


def _clockwise(corners: np.ndarray) -> np.ndarray:
    """Top left, top right, bottom right, bottom left (as RapidOCR orders them)."""
    by_x = corners[np.argsort(corners[:, 0], kind="stable")]
    left, right = by_x[:2][np.argsort(by_x[:2, 1])], by_x[2:][np.argsort(by_x[2:, 1])]
    return np.array([left[0], right[0], right[1], left[1]])


def _mean_inside(chance: np.ndarray, corners: np.ndarray) -> float:
    """The detector's mean chance of text inside a rectangle."""
    from PIL import Image, ImageDraw

    low = np.clip(np.floor(corners.min(axis=0)).astype(int), 0, [chance.shape[1] - 1, chance.shape[0] - 1])
    high = np.clip(np.ceil(corners.max(axis=0)).astype(int), 0, [chance.shape[1] - 1, chance.shape[0] - 1])
    canvas = Image.new("1", (int(high[0] - low[0] + 1), int(high[1] - low[1] + 1)))
    ImageDraw.Draw(canvas).polygon([tuple(p) for p in (corners - low).astype(int)], fill=1)
    inside = np.asarray(canvas, dtype=bool)
    window = chance[low[1] : high[1] + 1, low[0] : high[0] + 1]
    return float(window[inside].mean()) if inside.any() else 0.0


def _reading_order(boxes: list[np.ndarray]) -> list[np.ndarray]:
    """Top to bottom, and left to right within a line (tops closer than LINE pixels)."""
    if not boxes:
        return []
    boxes = sorted(boxes, key=lambda box: box[0][1])
    line, lines = 0, []
    for before, box in zip([None, *boxes], boxes):
        if before is not None and box[0][1] - before[0][1] >= LINE:
            line += 1
        lines.append(line)
    return [box for _, _, box in sorted(zip(lines, [b[0][0] for b in boxes], boxes), key=lambda t: t[:2])]


def _cut(picture, corners: np.ndarray):
    """The line cut out along its slant (Pillow's QUAD transform), turned upright when tall."""
    from PIL import Image

    across = int(max(np.linalg.norm(corners[0] - corners[1]), np.linalg.norm(corners[2] - corners[3])))
    down = int(max(np.linalg.norm(corners[0] - corners[3]), np.linalg.norm(corners[1] - corners[2])))
    quad = [*corners[0], *corners[3], *corners[2], *corners[1]]  # Pillow: top left, then anticlockwise
    cut = picture.transform((max(across, 1), max(down, 1)), Image.QUAD, [float(v) for v in quad], Image.BICUBIC)
    return cut.rotate(90, expand=True) if cut.height / cut.width >= 1.5 else cut
