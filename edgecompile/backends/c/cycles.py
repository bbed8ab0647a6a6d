"""Estimated Cortex-M cycles from the instruction mix QEMU executed (QEMU counts instructions, not cycles).

Input: the firmware's disassembly (`arm-none-eabi-objdump -d`) and, from QEMU's `-d exec,nochain` trace,
how many times each translated block ran and which block came next (`trace.py` counts the pairs while
streaming the log). A block is the instructions from its start address up to the first branch (or up to
the next block's address when QEMU cut it short: its instruction limit, a page end); the next block's
address says whether its final branch was taken. Each block is costed once with the core's table
(`timing/<core>.toml`, from the Arm TRM) and multiplied by its count.

The model, per instruction inside a block (Cortex-M4, single issue, 3-stage pipeline):
  - the class cost from the table: data processing, multiplies (all single cycle on the M4, SMLAD,
    SMULL and SMLAL included), divides (a fixed midpoint of 2..12), loads 2, stores with an immediate
    offset 1, LDRD/STRD 3, LDM/STM/PUSH/POP 1 + N, FP classes;
  - a load or store right after a single load costs 1 (address/data phases pipelined), unless its
    address uses the register that load wrote;
  - a load or store whose address uses the result of the preceding data-processing instruction: +1;
  - IT costs 0 when folded onto a preceding 16-bit instruction;
  - the block's final branch: not taken 1; taken 1 + P (P = 1 direct, 2 to a register, 3 for loads to
    the PC), +1 when the target is a 32-bit instruction that is not word aligned.
Cortex-M7 (dual issue, no timing published by Arm): the same walk, where two neighbouring single-cycle
instructions issue together unless the second reads the first's result or both need the one MAC or
load/store pipe; a loaded value used by the next instruction stalls a cycle; each conditional branch
is charged one mispredict per change of direction, estimated as min(taken, not taken) (loop exits).

Known errors (why this is an estimate):
  - memory is zero-wait-state: flash wait states, caches, the ART accelerator and bus contention add
    cycles on real parts (an STM32F4 at 168 MHz with 5 wait states relies on its prefetch and cache);
  - divides are data dependent (2..12 on the M4), charged their midpoint;
  - instructions skipped inside an IT block are charged as if they executed;
  - pipelining across block boundaries (a load ending one block, a load starting the next) is ignored,
    which is exact on the M4 because blocks end in branches;
  - P really is 1..3 by fetch alignment and speculation: the table's choices above;
  - the M7 figures are a coarse model (pairing rules, predictor) not checked against silicon;
  - QEMU splits blocks for its own reasons; a block cut in the middle is still costed instruction by
    instruction, but the pipelining between its two halves is lost (one cycle at most per cut).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from edgecompile.errors import EdgeCompileError

TIMING = Path(__file__).resolve().parent / "timing"
PAGE = 1024  # QEMU's page for Arm M-profile: translated blocks never cross one
CORES = {"cortex-m4": "cortex_m4.toml", "cortex-m7": "cortex_m7.toml"}
_C = "(?:eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?"
# instruction class by mnemonic (lower case, without .n/.w); first match wins; default "alu"
CLASSES = [
    ("it", rf"^it[te]{{0,3}}$"),
    ("branch", rf"^(b|bl){_C}$"),
    ("cbz", r"^cbn?z$|^(le|letp|wls|wlstp)$"),  # and v8.1-M's low-overhead loop ends and starts
    ("branch_register", rf"^(bx|blx){_C}$"),
    ("table_branch", rf"^tb[bh]{_C}$"),
    ("multiple", rf"^(ldm|stm)(ia|db|fd|ea)?{_C}$|^(push|pop){_C}$"),
    ("fp_multiple", rf"^(vldm|vstm)(ia|db)?{_C}$|^(vpush|vpop){_C}$"),
    ("pair", rf"^(ldr|str)d{_C}$"),
    ("load", rf"^(ldr(b|h|sb|sh|t|bt|ht|sbt|sht|ex|exb|exh)?|pld|pli){_C}$"),
    ("store", rf"^(str(b|h|t|bt|ht)?){_C}$|^strex[bh]?{_C}$"),
    ("div", rf"^[su]div{_C}$"),
    ("mul", rf"^(muls?|mla|mls|[su]mulls?|[su]mlals?|umaal|smla[bt][bt]|smlaw[bt]|smul[bt][bt]|smulw[bt]"
            rf"|smlal[bt][bt]|smlaldx?|smlsldx?|smladx?|smlsdx?|smuadx?|smusdx?|smmulr?|smmlar?|smmlsr?|usada?8){_C}$"),
    ("fp_load", rf"^(vldr|vstr)(\.\d+)?{_C}$"),
    ("fp_div", rf"^(vdiv|vsqrt){_C}(\.f\d+)?$"),
    ("fp_mac", rf"^(vn?ml[as]|vfn?m[as]){_C}(\.f\d+)?$"),
    ("fp", r"^v"),
]
_CLASS_RE = [(name, re.compile(pat)) for name, pat in CLASSES]
_REG = re.compile(r"\b(r1[0-5]|r\d|sp|lr|pc|ip|fp|sl|sb)\b")
_ALIAS = {"sb": "r9", "sl": "r10", "fp": "r11", "ip": "r12", "r13": "sp", "r14": "lr", "r15": "pc"}
_LINE = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f]{4}(?: [0-9a-f]{4})?)\s*\t(\S+)\s*([^;@]*)")
_LABEL = re.compile(r"^([0-9a-f]+) <(.+)>:$")
_NO_DEST = {"cmp", "cmn", "tst", "teq", "nop", "bkpt", "svc", "dsb", "dmb", "isb", "wfi", "wfe", "cpsid", "cpsie", "msr"}
_UNARY = ("mov", "mvn", "sxt", "uxt", "rev", "clz", "rbit", "adr", "mrs", "vmov", "vcvt", "vneg", "vabs", "vsqrt")
_MEM = {"load", "store", "pair", "multiple", "fp_load", "fp_multiple"}


def _regs(text: str) -> list[str]:
    return [_ALIAS.get(r, r) for r in _REG.findall(text)]


@dataclass(frozen=True)
class Insn:
    addr: int
    size: int  # bytes: 2 or 4
    op: str  # mnemonic without .n/.w
    cls: str
    dests: frozenset  # registers it writes
    reads: frozenset  # registers it reads
    addr_regs: frozenset  # registers in its address ([...])
    symbol: str
    words: int = 0  # LDM/STM/PUSH/POP/VLDM/VSTM: 32-bit words transferred
    target: int | None = None  # a direct branch's destination

    @property
    def ends_block(self) -> bool:
        return self.cls in ("branch", "cbz", "branch_register", "table_branch") or "pc" in self.dests


def _list_words(text: str) -> int:
    """32-bit words a register list moves: r4, r5, lr -> 3; d8-d15 -> 16; s16-s31 -> 16."""
    n = 0
    for part in text.split(","):
        m = re.match(r"\s*([rdsq])(\d+)(?:\s*-\s*[rdsq](\d+))?", part)
        if m is None:
            n += 1  # sp, lr, pc
            continue
        count = int(m.group(3)) - int(m.group(2)) + 1 if m.group(3) else 1
        n += count * (2 if m.group(1) == "d" else 1)
    return n


def _insn(addr: int, raw: str, op: str, ops: str, symbol: str) -> Insn:
    op = op.lower().removesuffix(".n").removesuffix(".w")
    cls = next((name for name, rx in _CLASS_RE if rx.match(op)), "alu")
    words = 0
    regs = _regs(ops)
    mem = re.search(r"\[([^\]]*)\]", ops)
    addr_regs = frozenset(_regs(mem.group(1))) if mem else frozenset()
    writeback = bool(mem) and ("!" in ops or ops[mem.end():].lstrip().startswith(","))
    base = next(iter(_regs(mem.group(1))), None) if mem else None
    if cls in ("multiple", "fp_multiple"):
        lst = re.search(r"\{([^}]*)\}", ops)
        listed = _regs(lst.group(1)) if lst else []
        head = _regs(ops[:lst.start()]) if lst else []
        loads = op.startswith(("ldm", "pop", "vldm", "vpop"))
        dests = set(listed if loads else []) | (set(head) if "!" in ops or op.startswith(("push", "pop")) else set())
        if op.startswith(("push", "pop", "vpush", "vpop")):
            dests.add("sp")
        reads = set(head) | (set() if loads else set(listed))
        words = _list_words(lst.group(1)) if lst else 1
    elif cls in ("load", "pair", "fp_load") and not op.startswith(("str", "vstr")):
        n = 2 if cls == "pair" else 1
        dests, reads = set(regs[:n]), set(addr_regs)
        if writeback and base:
            dests.add(base)
    elif cls in ("store", "pair", "fp_load", "branch", "cbz", "branch_register", "table_branch", "it"):
        dests, reads = set(), set(regs)
        if writeback and base:
            dests.add(base)
        if op in ("bl", "blx"):  # not ble/bls: conditions
            dests.add("lr")
    elif op.rstrip("s") in _NO_DEST or op[:3] in _NO_DEST:
        dests, reads = set(), set(regs)
    else:
        n = 2 if re.match(r"^([su]mull|[su]mlal|umaal|smlal|smlsld)", op) else 1
        dests, reads = set(regs[:n]), set(regs[n:]) | (set(regs[:n]) if "mlal" in op or "mlsld" in op else set())
        if ops.count(",") == 1 and not op.startswith(_UNARY):  # two-operand Thumb form: the destination is read too
            reads |= dests
    size = 2 if len(raw.replace(" ", "")) == 4 else 4
    direct = re.match(r"(?:\w+, )?([0-9a-f]+) <", ops) if cls in ("branch", "cbz") else None
    return Insn(addr, size, op, cls, frozenset(dests), frozenset(reads), addr_regs, symbol, words,
                int(direct.group(1), 16) if direct else None)


def disassemble(elf: Path, arch: str | None = None) -> dict[int, Insn]:
    """Every instruction of the firmware's code by address (literal pools and data excluded); `arch` for
    objdump's -m when the ELF's attributes do not name it (armv8.1-m.main: Helium)."""
    objdump = shutil.which("arm-none-eabi-objdump")
    if objdump is None:
        raise EdgeCompileError("The cycle estimate needs arm-none-eabi-objdump (Debian: binutils-arm-none-eabi).")
    text = subprocess.run([objdump, "-d", *(["-m", arch] if arch else []), str(elf)], capture_output=True, text=True,
                          check=True).stdout
    code, symbol = {}, "?"
    for line in text.splitlines():
        lab = _LABEL.match(line)
        if lab:
            symbol = lab.group(2)
            continue
        m = _LINE.match(line)
        if m and not m.group(3).startswith("."):
            addr = int(m.group(1), 16)
            code[addr] = _insn(addr, m.group(2), m.group(3), m.group(4).strip(), symbol)
    return code


@dataclass(frozen=True)
class Table:
    core: str
    dual_issue: bool
    c: dict  # cycles per class and the adjustments (see timing/<core>.toml)

    @classmethod
    def load(cls, core: str) -> "Table":
        if core not in CORES:
            raise EdgeCompileError(f"No cycle table for {core!r}; tables exist for {', '.join(CORES)}.")
        data = tomllib.loads((TIMING / CORES[core]).read_text())
        return cls(data["core"], bool(data["dual_issue"]), dict(data["cycles"]))


def block(code: dict[int, Insn], start: int, nxt: int, limit: int = 0) -> list[Insn]:
    """The instructions QEMU ran from `start` before going to `nxt`: up to the first branch, or fewer where
    QEMU cut its block: its instruction `limit`, a 1 KB page end (an instruction that straddles one is a
    block of its own), or any other cut, seen as `nxt` lying inside the block while no branch leads there."""
    out, pc = [], start
    while pc in code:
        ins = code[pc]
        straddles = ins.addr // PAGE != (ins.addr + ins.size - 1) // PAGE
        if out and straddles:
            break
        out.append(ins)
        pc += ins.size
        if ins.ends_block or straddles or len(out) == limit or pc % PAGE == 0 or len(out) >= 512:
            break
    if not out:
        raise EdgeCompileError(f"The trace ran code at {start:#x} that the firmware's disassembly does not hold.")
    last = out[-1]
    if start < nxt <= last.addr and nxt not in (last.addr + last.size, last.target):
        out = [i for i in out if i.addr < nxt]
    return out


def _base_cost(ins: Insn, t: dict) -> float:
    c = ins.cls
    if c == "store":  # an immediate (or no) offset: one register in the address
        return t["store_imm"] if len(ins.addr_regs) <= 1 else t["store"]
    if c in ("multiple", "fp_multiple"):
        return t["multiple_base"] + t["multiple_per_reg"] * ins.words
    if c in ("branch", "cbz", "branch_register", "table_branch"):
        return 0.0  # charged by the outcome
    return t.get(c, t["alu"])


def block_cycles(insns: list[Insn], nxt: int, code: dict[int, Insn], table: Table) -> float:
    """Cycles of one execution of the block, ending with a branch to `nxt` (or a fall-through to it)."""
    t, cyc, prev = table.c, 0.0, None
    paired = False
    for ins in insns:
        c = _base_cost(ins, t)
        if ins.cls == "it" and prev is not None and prev.size == 2:
            c = 0
        if ins.cls in _MEM and prev is not None:
            if prev.cls == "load" and ins.cls in ("load", "store") and not (prev.dests & ins.addr_regs):
                c = t["load_pipelined"]
            elif prev.cls not in _MEM and prev.dests & ins.addr_regs:
                c += t["agu_stall"]
        if prev is not None and prev.cls in ("load", "pair", "fp_load") and prev.dests & ins.reads - ins.addr_regs:
            c += t.get("load_use", 0)
        if ins is insns[-1] and ins.ends_block:
            c += _branch(ins, nxt, code, t)
        if table.dual_issue and prev is not None and not paired and _pairs(prev, ins, c):
            paired = True  # issues beside prev: no cycle of its own
            prev = ins
            continue
        paired = False
        cyc += c
        prev = ins
    return cyc


def _pairs(a: Insn, b: Insn, cost_b: float) -> bool:
    if cost_b > 1 or a.ends_block or a.cls in ("div", "multiple", "fp_multiple", "pair", "it", "fp_div"):
        return False
    if a.dests & b.reads or (a.cls == b.cls == "mul") or (a.cls in _MEM and b.cls in _MEM):
        return False
    return True


def _branch(ins: Insn, nxt: int, code: dict[int, Insn], t: dict) -> float:
    taken = nxt != ins.addr + ins.size or ins.op in ("b", "bl", "bx", "blx")
    if not taken:
        return t["branch_not_taken"]
    extra = t["wide_target"] if nxt in code and code[nxt].size == 4 and nxt % 4 else 0
    if ins.cls == "table_branch":
        return t["table_branch"] + extra
    if ins.cls == "branch_register":
        return t["branch_register"] + extra
    if ins.cls in ("branch", "cbz"):
        return t["branch_taken"] + extra
    return t["load_pc_refill"] + extra  # a load or pop into the PC: the load itself is in its class cost


@dataclass
class Estimate:
    core: str
    instructions: int = 0
    cycles: float = 0.0
    by_symbol: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))  # name -> [instructions, cycles]
    by_segment: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0.0]))  # profile segment -> same
    mix: Counter = field(default_factory=Counter)  # instruction class -> executions


def estimate(code: dict[int, Insn], counts: Counter, table: Table) -> Estimate:
    """Cycles of the traced region: `counts` maps (segment, start, limit, next start) to executions."""
    est = Estimate(table.core)
    outcomes: dict[int, list] = defaultdict(lambda: [0, 0])  # conditional branch -> [taken, not taken]
    for (seg, start, limit, nxt), n in counts.items():
        insns = block(code, start, nxt, limit)
        cyc = block_cycles(insns, nxt, code, table) * n
        est.instructions += len(insns) * n
        est.cycles += cyc
        for s, v in ((insns[0].symbol, est.by_symbol), (seg, est.by_segment)):
            v[s][0] += len(insns) * n
            v[s][1] += cyc
        for ins in insns:
            est.mix[ins.cls] += n
        last = insns[-1]
        if last.cls == "cbz" or (last.cls == "branch" and last.op not in ("b", "bl")):
            outcomes[last.addr][nxt == last.addr + last.size] += n
    if "mispredict" in table.c:  # one per change of direction, at least at each loop exit
        miss = sum(min(tk, nt) for tk, nt in outcomes.values()) * table.c["mispredict"]
        est.cycles += miss
    return est
