"""The contract between the Python wrappers and the C kernels, written once.

Python reads these names directly; the build (``setup.py``) writes them into
``csrc/contract.h`` (``header()``), which every kernel file includes. A kernel's
signature in C must then agree with the prototype generated from ``KERNELS`` (the compiler
refuses conflicting types), and ``moderator.kernels.Kernel`` declares the ctypes argument
types and builds every call from the same table, by argument name.

Kept free of imports beyond the standard library: ``setup.py`` loads this file on its own.
"""

from __future__ import annotations

#: word n-grams longer than this are refused (the kernels' token history)
MAX_WORD_N = 8

#: what a kernel returns instead of a count when it cannot do its work
KERNEL_ERRORS = {
    -1: "out of memory for its scratch space",
    -2: "an output array is too small (a capacity passed by its wrapper)",
}
ERROR_NO_MEMORY = -1
ERROR_CAPACITY = -2

#: the columns ``cue_statistics`` writes per text, in order (``cues._cue_statistics``
#: says what each holds)
CUE_COLUMNS = (
    "log_length", "upper_ratio", "digit_ratio", "symbol_ratio", "entropy", "consonant_runs",
    "vowel_ratio", "exclamations", "mean_word_length", "digits", "may_url", "may_money",
    "may_phone", "may_email", "url_count", "phone_match", "astral_words",
)

#: Ranges beyond the Basic Multilingual Plane without a word character (``\w``): emoji,
#: pictographs, tags. ``astral_words`` is 1 for a text with a character beyond the BMP
#: outside them (a test checks them against Python's ``\w``).
NO_WORD_BEYOND_BMP = ((0x1EEBC, 0x1F0FF), (0x1F10D, 0x1FBEF), (0x1FBFA, 0x1FFFF),
                      (0x3134B, 0x10FFFF))

# Argument types: a scalar ("i64", "u64", "f64", "bool") or an array, "T[]" (1-d) or
# "T[][]" (2-d, C order), "const" when the kernel only reads it.
_C_TYPES = {"u8": "uint8_t", "u32": "uint32_t", "u64": "uint64_t", "i32": "int32_t",
            "i64": "int64_t", "f32": "float", "f64": "double", "bool": "bool", None: "void"}

_TEXT = [("nc", "const u32[]"), ("ncls", "const u8[]")]
_RANGES = [("char_lo", "i64"), ("char_hi", "i64"), ("word_lo", "i64"), ("word_hi", "i64"),
           ("char_bits", "i64"), ("word_bits", "i64"), ("url_hash", "u64")]
_TLDS = [("tld_codes", "const u32[][]"), ("tld_rows", "i64"), ("tld_width", "i64")]


def _rowwise_dot(t: str):
    return ("void", [("x_ptr", "const i64[]"), ("x_cols", "const i32[]"),
                     ("x_data", f"const {t}[]"), ("u_ptr", "const i64[]"),
                     ("u_cols", "const i32[]"), ("u_data", f"const {t}[]"),
                     ("index", "const i64[]"), ("order", "const i64[]"), ("n_order", "i64"),
                     ("dense", f"{t}[]"), ("out", "f64[]")])


#: kernel name -> (return type, [(argument, type), ...])
KERNELS = {
    "moderator_kernels_digest": ("const char *", []),
    "normalize": ("i64", [
        ("codes", "const u32[]"), ("offsets", "const i64[]"), ("ndoc", "i64"),
        ("classes", "const u8[]"), ("lower", "const u32[]"), ("leet", "const u32[]"),
        ("letter", "const bool[]"), ("positions", "bool"), ("capacity", "i64"),
        ("out_c", "u32[]"), ("out_cls", "u8[]"), ("out_pos", "i64[]"), ("out_off", "i64[]")]),
    "enumerate_ngrams": ("i64", [
        *_TEXT, ("noff", "const i64[]"), ("ndoc", "i64"), *_RANGES, ("windows", "bool"),
        ("unit_capacity", "i64"), ("unit_ptr", "i64[]"), ("capacity", "i64"),
        ("cols", "i64[]"), ("starts", "i64[]"), ("ends", "i64[]"), ("unit_doc", "i64[]"),
        ("sizes", "i64[]")]),
    "contributions": ("i64", [
        *_TEXT, ("a", "i64"), ("b", "i64"), *_RANGES, ("weights", "const f32[][]"),
        ("k", "i64"), ("idf", "const f32[]"), ("out_size", "i64"), ("out", "f64[][]")]),
    "token_bounds": ("i64", [
        *_TEXT, ("noff", "const i64[]"), ("ndoc", "i64"), ("ptr", "i64[]"),
        ("capacity", "i64"), ("starts", "i64[]"), ("ends", "i64[]")]),
    "score": ("i64", [
        *_TEXT, ("noff", "const i64[]"), ("ndoc", "i64"), *_RANGES, ("table", "const f32[][]"),
        ("k", "i64"), ("words", "bool"), ("out", "f64[][]"), ("out_win", "f64[][]"),
        ("n_windows", "i64[]"), ("word_ptr", "i64[]"), ("word_capacity", "i64"),
        ("word_cols", "i32[]"), ("word_vals", "f32[]")]),
    "doc_contributions": ("i64", [
        *_TEXT, ("a", "i64"), ("b", "i64"), *_RANGES, ("table", "const f32[][]"),
        ("width", "i64"), ("columns", "const i64[]"), ("ncolumns", "i64"), ("room", "i64"),
        ("cols", "i64[]"), ("firsts", "i64[]"), ("lasts", "i64[]"), ("out", "f64[][]")]),
    "explain": ("i64", [
        *_TEXT, ("noff", "const i64[]"), ("ndoc", "i64"), ("pair_ptr", "const i64[]"),
        ("pair_cols", "const i64[]"), ("tok_ptr", "const i64[]"),
        ("tok_start", "const i64[]"), ("tok_end", "const i64[]"), ("add_ptr", "const i64[]"),
        ("add_start", "const i64[]"), ("add_end", "const i64[]"),
        ("add_value", "const f64[]"), ("punctuation", "const bool[]"),
        ("alnum", "const bool[]"), *_RANGES, ("table", "const f32[][]"), ("width", "i64"),
        ("min_weight", "f64"), ("share", "f64"), ("merge", "bool"), ("span_ptr", "i64[]"),
        ("capacity", "i64"),
        ("out_start", "i64[]"), ("out_end", "i64[]"), ("out_w", "f64[]")]),
    "round4": ("bool", [("x", "f64"), ("value", "f64[]")]),
    "top_spans": ("i64", [
        ("span_ptr", "const i64[]"), ("npair", "i64"), ("span_start", "const i64[]"),
        ("span_end", "const i64[]"), ("span_w", "const f64[]"), ("pos", "const i64[]"),
        ("origin", "const i64[]"), ("top_k", "i64"), ("top_ptr", "i64[]"),
        ("capacity", "i64"), ("out_s", "i64[]"), ("out_e", "i64[]"), ("out_w", "f64[]"),
        ("exact", "bool[]")]),
    "rowwise_dot_f32": _rowwise_dot("f32"),
    "rowwise_dot_f64": _rowwise_dot("f64"),
    "cue_statistics": ("i64", [
        ("codes", "const u32[]"), ("offsets", "const i64[]"), ("ndoc", "i64"),
        ("classes", "const u8[]"), ("flags", "const i64[]"),
        ("url_hint_codes", "const u32[][]"), ("url_rows", "i64"), ("url_width", "i64"),
        ("money_hint_codes", "const u32[][]"), ("money_rows", "i64"), ("money_width", "i64"),
        ("digit", "const bool[]"), *_TLDS, ("out_width", "i64"), ("out", "f64[][]")]),
    "pattern_spans": ("i64", [
        ("codes", "const u32[]"), ("offsets", "const i64[]"), ("pos", "const i64[]"),
        ("noff", "const i64[]"), ("req_doc", "const i64[]"), ("req_kind", "const i64[]"),
        ("nreq", "i64"), ("classes", "const u8[]"), ("digit", "const bool[]"), *_TLDS,
        ("scratch_capacity", "i64"), ("starts", "i64[]"), ("ends", "i64[]"),
        ("count", "i64[]"), ("ptr", "i64[]"), ("capacity", "i64"), ("out_s", "i64[]"),
        ("out_e", "i64[]")]),
    "url_matches_at": ("i64", [
        ("codes", "const u32[]"), ("a", "i64"), ("b", "i64"), ("classes", "const u8[]"),
        *_TLDS, ("limit", "i64"), ("starts", "i64[]"), ("ends", "i64[]")]),
    "phone_search_at": ("bool", [
        ("codes", "const u32[]"), ("a", "i64"), ("b", "i64"), ("classes", "const u8[]"),
        ("digit", "const bool[]")]),
    "phone_matches_at": ("i64", [
        ("codes", "const u32[]"), ("a", "i64"), ("b", "i64"), ("classes", "const u8[]"),
        ("digit", "const bool[]"), ("capacity", "i64"), ("starts", "i64[]"),
        ("ends", "i64[]")]),
    "same_letter_of": ("bool", [("c", "i64"), ("want", "i64")]),
    "in_host_class_of": ("bool", [("c", "i64")]),
}


def parse_type(spec: str) -> tuple[bool, str, int]:
    """``(const, element type, dimensions)`` of an argument type (0 dimensions: scalar)."""
    const = spec.startswith("const ")
    base = spec.removeprefix("const ")
    ndim = base.count("[]")
    return const, base.replace("[]", ""), ndim


def _c_declaration(name: str, spec: str) -> str:
    const, base, ndim = parse_type(spec)
    if ndim == 0:
        return f"{_C_TYPES[base]} {name}"
    return f"{'const ' if const else ''}{_C_TYPES[base]} *{name}"


def _c_return(spec: str) -> str:
    return spec if "*" in spec else _C_TYPES[None if spec == "void" else spec]


def header() -> str:
    """``csrc/contract.h``: the constants, the cue columns and every kernel's prototype."""
    lines = [
        "/* Generated by setup.py from moderator/kernel_contract.py: edit that file. */",
        "#ifndef MODERATOR_CONTRACT_H", "#define MODERATOR_CONTRACT_H", "",
        '#include "kernels.h"', "",
        f"#define MAX_WORD_N {MAX_WORD_N}",
        f"#define ERROR_NO_MEMORY ({ERROR_NO_MEMORY})",
        f"#define ERROR_CAPACITY ({ERROR_CAPACITY})", "",
        "/* the columns of cue_statistics' rows */",
        "enum cue_column {",
        *(f"    CUE_{name.upper()}," for name in CUE_COLUMNS),
        "    N_CUE_COLUMNS", "};", "",
        "/* whether a code point beyond the BMP may be a word character (NO_WORD_BEYOND_BMP) */",
        "static inline bool may_be_word_beyond_bmp(uint32_t c)", "{",
        "    return c >= 0x10000"
        + "".join(f"\n           && !(0x{a:X} <= c && c <= 0x{b:X})"
                  for a, b in NO_WORD_BEYOND_BMP) + ";",
        "}", "",
    ]
    for name, (restype, arguments) in KERNELS.items():
        args = ", ".join(_c_declaration(a, t) for a, t in arguments) or "void"
        lines.append(f"EXPORT {_c_return(restype)} {name}({args});")
    lines += ["", "#endif", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(header(), end="")
