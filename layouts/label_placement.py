"""Town labels that never cover each other: greedy placement around each point, a leader line when it moves far.

Coordinates are the drawing's own (pixels, EMU…) with y growing downward. Labels are placed in the order given
(the most important first); each takes the first candidate position around its point that overlaps no label placed
before it and stays inside the frame. Nearer positions come first; the farther ring is drawn with a leader line back
to the point. A label that fits nowhere is left out rather than drawn over another (``Placement`` lists only the
placed ones) — the town is still named in the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

Box = tuple[float, float, float, float]  # left, top, right, bottom

# offsets of a label's box from its point, in units of (box width, box height) and the gap; nearer first
NEAR = (("right", 0), ("left", 0), ("above", 0), ("below", 0), ("above-right", 0), ("below-right", 0),
        ("above-left", 0), ("below-left", 0))  # fmt: skip
FAR = tuple((side, 1) for side, _ in NEAR)


@dataclass(frozen=True)
class Placement:
    name: str
    point: tuple[float, float]
    box: Box
    leader: bool  # drawn away from its point: a line joins them


def _box(side: str, ring: int, x: float, y: float, w: float, h: float, gap: float) -> Box:
    reach = gap + ring * (h * 1.5 + gap)
    parts = set(side.split("-"))
    left = x + reach if "right" in parts else x - reach - w if "left" in parts else x - w / 2
    top = y - reach - h if "above" in parts else y + reach if "below" in parts else y - h / 2
    return (left, top, left + w, top + h)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _inside(box: Box, frame: Box) -> bool:
    return box[0] >= frame[0] and box[1] >= frame[1] and box[2] <= frame[2] and box[3] <= frame[3]


def place(
    labels: list[tuple[str, float, float, float, float]], frame: Box, gap: float, keep_clear: list[Box] = ()
) -> list[Placement]:
    """``labels``: (name, x, y, width, height) in order of importance; ``keep_clear``: boxes no label may cover
    (the points' own markers are added)."""
    taken: list[Box] = list(keep_clear)
    marker = gap / 2
    taken += [(x - marker, y - marker, x + marker, y + marker) for _, x, y, _, _ in labels]
    placed: list[Placement] = []
    for name, x, y, w, h in labels:
        own = (x - marker, y - marker, x + marker, y + marker)
        for side, ring in NEAR + FAR:
            box = _box(side, ring, x, y, w, h, gap)
            if _inside(box, frame) and not any(_overlaps(box, other) for other in taken if other != own):
                taken.append(box)
                placed.append(Placement(name, (x, y), box, leader=ring > 0))
                break
    return placed


def overlapping(boxes: list[Box]) -> list[tuple[int, int]]:
    """Pairs of boxes that overlap (the tests' check on a drawing's labels)."""
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if _overlaps(boxes[i], boxes[j])]
