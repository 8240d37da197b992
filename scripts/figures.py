#!/usr/bin/env python3
"""Draws the lessons' figures into docs/figures/ as plain SVG (readable on GitHub, light or dark).

    python3 scripts/figures.py

The sizes drawn are the code's: Stage 4's mr = 6, nr = 16 (MicroKernel.swift), its block sizes on
the development machine (BlockSizes.swift: mc = 354, kc = 368, nc = 11392), Stage 6's TILE and
BM × BN × BK (GPUKernel.swift). Change the code, then redraw.
"""
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "docs" / "figures"
A, B, C, GREY, INK = "#cfe2f3", "#fce5cd", "#d9ead3", "#eeeeee", "#222222"
A2, B2, C2 = "#6fa8dc", "#f6b26b", "#93c47d"


class Svg:
    def __init__(self, width, height):
        self.w, self.h, self.items = width, height, []
        self.rect(0, 0, width, height, "#ffffff", stroke="none")

    def rect(self, x, y, w, h, fill, stroke=INK, width=1):
        self.items.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>')

    def text(self, x, y, s, size=13, anchor="start", weight="normal", family="sans-serif"):
        s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self.items.append(f'<text x="{x}" y="{y}" font-family="{family}" font-size="{size}" text-anchor="{anchor}" '
                          f'font-weight="{weight}" fill="{INK}">{s}</text>')

    def line(self, x1, y1, x2, y2, arrow=False, width=1.5):
        end = ' marker-end="url(#arrow)"' if arrow else ""
        self.items.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{INK}" stroke-width="{width}"{end}/>')

    def grid(self, x, y, rows, cols, cell, fill, highlight=lambda i, j: None, label=None):
        for i in range(rows):
            for j in range(cols):
                self.rect(x + j * cell, y + i * cell, cell, cell, highlight(i, j) or fill, stroke="#666666")
                if label:
                    self.text(x + j * cell + cell / 2, y + i * cell + cell / 2 + 4, label(i, j), size=11, anchor="middle")

    def save(self, name, title):
        defs = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
                f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/></marker></defs>')
        body = "\n".join(self.items)
        (OUT / name).write_text(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.w}" height="{self.h}" viewBox="0 0 {self.w} {self.h}">\n'
            f'<title>{title}</title>\n{defs}\n{body}\n</svg>\n')


def row_major():
    s = Svg(820, 390)
    s.text(20, 28, "Row-major: row after row in one line of memory; element (i, j) at base + i·stride + j", 15, weight="bold")
    rows, cols, cell = 4, 6, 34
    block = lambda i, j: A2 if 1 <= i <= 2 and 2 <= j <= 4 else None
    s.grid(40, 60, rows, cols, cell, A, block, lambda i, j: f"{i},{j}")
    s.text(40 + cols * cell / 2, 52, "a 4 × 6 matrix, stride = 6", 12, anchor="middle")
    s.text(270, 90, "the dark cells: a 2 × 3 view (a block) of it,", 13)
    s.text(270, 110, "rows 1–2, columns 2–4: base' = base + 1·6 + 2,", 13)
    s.text(270, 130, "the SAME stride 6, so its rows are not contiguous:", 13)
    s.text(270, 150, "element (i, j) of the block is at base' + i·6 + j", 13)
    s.text(270, 180, "A transposed view reads the same memory with i and j", 13)
    s.text(270, 200, "swapped: element (i, j) of Xᵀ is at base + j·stride + i", 13)
    y, w = 280, 32
    s.text(20, y - 14, "memory, address by address (each row takes stride = 6 floats)", 12)
    for e in range(24):
        i, j = divmod(e, cols)
        s.rect(20 + e * w, y, w, 30, block(i, j) or (A if i % 2 == 0 else "#e3eef8"), stroke="#666666")
        s.text(20 + e * w + w / 2, y + 19, f"{i},{j}", 10, anchor="middle")
    for i in range(rows):
        s.text(20 + i * cols * w + 2, y + 48, f"row {i} starts at base + {i}·6", 11)
    s.text(20, y + 80, "Walking j (along a row) is the next address; walking i (down a column) jumps stride floats.", 13)
    s.save("row-major.svg", "Row-major layout, strides and a block view")


def ikj():
    s = Svg(820, 330)
    s.text(20, 28, "Stage 3, loop order i, p, j: one number of A times a whole row of B, added to a row of C", 15, weight="bold")
    cell = 22
    # A (m×k), B (k×n), C (m×n): 6×5, 5×8, 6×8
    s.text(40, 62, "A (m × k)", 13)
    s.grid(40, 70, 6, 5, cell, A, lambda i, j: A2 if (i, j) == (2, 3) else None)
    s.text(40, 215, "A[i, p]: one number", 12)
    s.text(200, 62, "B (k × n)", 13)
    s.grid(200, 70, 5, 8, cell, B, lambda i, j: B2 if i == 3 else None)
    s.text(200, 193, "row p of B: contiguous", 12)
    s.text(430, 62, "C (m × n)", 13)
    s.grid(430, 70, 6, 8, cell, C, lambda i, j: C2 if i == 2 else None)
    s.text(430, 215, "row i of C: contiguous", 12)
    s.line(150, 70 + 2.5 * cell, 196, 70 + 3.5 * cell, arrow=True)
    s.line(380, 70 + 3.5 * cell, 426, 70 + 2.5 * cell, arrow=True)
    s.text(20, 250, "for i in 0..<m  { for p in 0..<k  { let aip = A[i, p]", 13, family="monospace")
    s.text(20, 270, "    for j in 0..<n { C[i, j] += aip * B[p, j] } } }", 13, family="monospace")
    s.text(20, 300, "The j loop walks two rows with no step depending on another: the compiler vectorizes it,", 13)
    s.text(20, 318, "8 floats per ymm register (16 per zmm): A[i, p] broadcast into every lane, times 8 floats of B, added to 8 of C.", 13)
    s.save("ikj-broadcast.svg", "The i-k-j loop: A[i,p] broadcast across row p of B into row i of C")


def five_loops():
    s = Svg(900, 470)
    s.text(20, 28, "Stage 4's five loops: each piece sized for the level of memory that serves it", 15, weight="bold")
    # B: k × n with panel kc × nc and micro-panel kc × nr
    bx, by = 330, 60
    s.text(bx, by - 8, "B (k × n)", 13)
    s.rect(bx, by, 300, 150, B)
    s.rect(bx + 40, by + 40, 220, 70, B2)
    s.rect(bx + 40, by + 40, 22, 70, "#e69138")
    s.text(bx + 150, by + 80, "panel kc × nc", 12, anchor="middle")
    s.text(bx + 66, by + 128, "micro-panel kc × nr", 11)
    # A: m × k with block mc × kc and micro-panel mr × kc
    ax, ay = 60, 240
    s.text(ax, ay - 8, "A (m × k)", 13)
    s.rect(ax, ay, 150, 200, A)
    s.rect(ax + 40, ay + 50, 70, 110, A2)
    s.rect(ax + 40, ay + 50, 70, 14, "#3d85c6")
    s.text(ax + 75, ay + 110, "block", 12, anchor="middle")
    s.text(ax + 75, ay + 126, "mc × kc", 12, anchor="middle")
    s.text(ax + 114, ay + 61, "micro-panel mr × kc", 11)
    # C: m × n with the tile
    cx, cy = 330, 240
    s.text(cx, cy - 8, "C (m × n)", 13)
    s.rect(cx, cy, 300, 200, C)
    s.rect(cx + 40, cy + 50, 220, 110, "#b6d7a8")
    s.rect(cx + 40, cy + 50, 22, 14, "#38761d")
    s.text(cx + 150, cy + 110, "the part of C one A block", 12, anchor="middle")
    s.text(cx + 150, cy + 126, "and one B panel update", 12, anchor="middle")
    s.text(cx + 66, cy + 61, "tile mr × nr", 11)
    lx = 660
    legend = [
        ("for jc: nc columns of B", ""),
        ("  for pc: kc of depth", "pack the B panel: L3"),
        ("    for ic: mc rows of A", "pack the A block: L2"),
        ("      for jr: nr columns", "B micro-panel: L1"),
        ("        for ir: mr rows", "tile of C: registers"),
    ]
    s.text(lx, 70, "outside in", 13, weight="bold")
    for n, (loop, where) in enumerate(legend):
        s.text(lx, 95 + n * 38, loop, 12, family="monospace")
        if where:
            s.text(lx + 16, 111 + n * 38, where, 12)
    s.text(lx, 300, "on the development machine", 12, weight="bold")
    for n, t in enumerate(["mr = 6, nr = 16", "kc = 368, mc = 354", "nc = 11392",
                           "L1d 32 KiB, L2 1 MiB", "L3 32 MiB"]):
        s.text(lx, 320 + n * 18, t, 12)
    s.text(20, 462, "Packed A: column p after column p, mr floats each; packed B: row p after row p, nr floats each; edges padded with zeros.", 12)
    s.save("five-loops.svg", "Stage 4's five loops and the cache level each block is sized for")


def register_tile():
    s = Svg(860, 360)
    s.text(20, 28, "One step p of the micro-kernel: a 6 × 16 outer product added to the tile held in 12 registers", 15, weight="bold")
    cell = 24
    ax, top, tx = 40, 110, 120
    s.text(ax - 10, top - 40, "packed A", 12)
    s.text(ax - 10, top - 24, "(6 floats)", 12)
    for r in range(6):
        s.rect(ax, top + r * cell, cell, cell, A2, stroke="#666666")
        s.text(ax + cell / 2, top + r * cell + 16, f"a{r}", 10, anchor="middle")
    s.text(tx, 60, "packed B: 16 floats = two 8-float registers b0, b1", 12)
    for j in range(16):
        s.rect(tx + j * cell, 70, cell, cell, B2 if j < 8 else "#f9cb9c", stroke="#666666")
    s.text(tx + 4 * cell, 104, "b0", 11, anchor="middle")
    s.text(tx + 12 * cell, 104, "b1", 11, anchor="middle")
    for r in range(6):
        for half in range(2):
            x = tx + half * 8 * cell
            s.rect(x, top + r * cell, 8 * cell, cell, C if half == 0 else "#c9e2bf", stroke="#666666")
            s.text(x + 4 * cell, top + r * cell + 16, f"c{r}{half} += a{r} · b{half}", 11, anchor="middle")
    s.text(tx + 8 * cell, top + 6 * cell + 20, "the tile of C: 6 rows × 2 registers of 8 floats = 12 accumulators", 12, anchor="middle")
    nx = tx + 16 * cell + 20
    for n, t in enumerate(["per step p:", "2 loads of B", "6 broadcasts of A", "12 FMAs (8 lanes each)",
                           "= 192 FLOPs for 22 floats", "", "registers (AVX2 has 16):", "12 accumulators",
                           "+ 2 for b0, b1", "+ 1 broadcast of a[r]", "= 15"]):
        s.text(nx, 80 + n * 19, t, 12, weight="bold" if t.endswith(":") else "normal")
    s.text(20, 330, "Each a[r] is broadcast into all 8 lanes and multiplied by b0 and b1: row r of the tile gets a[r] times row p of B.", 12)
    s.save("register-tile.svg", "The micro-kernel's 6 by 16 register tile and one step of its outer product")


def gpu_tiles():
    s = Svg(900, 420)
    s.text(20, 28, "Stage 6's tiled kernels: one thread block, one tile of C", 15, weight="bold")
    # 6c
    x0 = 30
    s.text(x0, 60, "6c: TILE × TILE threads (TILE = 32 on a GPU", 13, weight="bold")
    s.text(x0, 78, "allowing 1024 threads per block; 16 or 8 otherwise)", 12)
    s.rect(x0, 150, 60, 120, A)
    s.rect(x0, 190, 60, 40, A2)
    s.text(x0 + 30, 285, "A: tile slides →", 11, anchor="middle")
    s.rect(x0 + 90, 95, 120, 45, B)
    s.rect(x0 + 130, 95, 40, 45, B2)
    s.text(x0 + 150, 90, "B: tile slides ↓", 11, anchor="middle")
    s.rect(x0 + 90, 150, 120, 120, C)
    s.rect(x0 + 130, 190, 40, 40, C2)
    s.text(x0 + 150, 214, "C tile", 10, anchor="middle")
    for n, t in enumerate(["per step of TILE along k:", "each thread loads one float of A's tile and",
                           "one of B's into shared memory; barrier;", "each thread: TILE multiply-adds from shared",
                           "memory for its one C[row, col]; barrier."]):
        s.text(x0, 310 + n * 18, t, 12)
    # 6d
    x1 = 470
    s.text(x1, 60, "6d: 16 × 16 threads own a 128 × 128 tile of C", 13, weight="bold")
    s.text(x1, 78, "(BM = BN = 128, BK = 8; 8 × 8 threads, 64 × 64, on small devices)", 12)
    s.rect(x1, 150, 40, 128, A2)
    s.text(x1 + 20, 292, "A: 128 × 8", 11, anchor="middle")
    s.text(x1 + 20, 306, "(stored transposed)", 10, anchor="middle")
    s.rect(x1 + 60, 100, 128, 40, B2)
    s.text(x1 + 124, 94, "B: 8 × 128", 11, anchor="middle")
    s.rect(x1 + 60, 150, 128, 128, C)
    # one thread's 8×8: two groups of 4 rows, 64 apart; same for columns (scaled: 128 px = 128)
    for gy in (0, 64):
        for gx in (0, 64):
            s.rect(x1 + 60 + 8 + gx, 150 + 8 + gy, 4 * 1.5, 4 * 1.5, "#38761d", stroke="none")
    s.text(x1 + 200, 170, "one thread's 8 × 8 results:", 12)
    s.text(x1 + 200, 188, "rows in two groups of 4,", 12)
    s.text(x1 + 200, 206, "64 rows apart; columns too", 12)
    s.text(x1 + 200, 224, "(the dark squares), held", 12)
    s.text(x1 + 200, 242, "in registers", 12)
    for n, t in enumerate(["per step of BK = 8 along k: the block loads the 128 × 8", "slice of A and the 8 × 128 slice of B into shared memory",
                           "(float4 loads); then for each of the 8 p, a thread reads 8", "floats of A and 8 of B and does 8 × 8 = 64 FMAs."]):
        s.text(x1, 330 + n * 18, t, 12)
    s.save("gpu-tiles.svg", "Stage 6's shared-memory tiles (6c) and register tiles (6d)")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for draw in (row_major, ikj, five_loops, register_tile, gpu_tiles):
        draw()
    print(f"wrote 5 figures to {OUT}")
