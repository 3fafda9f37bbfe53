"""Fixed string set for the tokenizer parity goldens (tests/data/tokenizers/).

STRINGS is encoded with add_special_tokens=False; TEMPLATE_STRINGS (a subset of STRINGS) also with
add_special_tokens=True. Everything here is deterministic: no randomness, no clock, no locale.
Changing this file changes the goldens; regenerate them with gen_tokenizer_golden.py.
"""

STRINGS = []
TEMPLATE_STRINGS = []


def add(*items):
    for s in items:
        if s not in STRINGS:
            STRINGS.append(s)


def add_template(*items):
    add(*items)
    for s in items:
        if s not in TEMPLATE_STRINGS:
            TEMPLATE_STRINGS.append(s)


# --- trivial inputs ------------------------------------------------------------------------------
add("", " ", "\n", "a", "A", "Hello", "Hello world", "Hello, world!", " Hello", "hello", "HELLO",
    "Hello ,", " ,", ",", ".", "!", "?", "I", "the", " the", "The quick brown fox jumps over the lazy dog.")

# --- scripts and languages -----------------------------------------------------------------------
add("Größe, Straße und Übermäßigkeit: schön!",
    "Ça va très bien, merci. L'été à Noël, où est la crème brûlée ?",
    "Привет, мир! Как дела? Съешь же ещё этих мягких французских булок.",
    "Γειά σου Κόσμε! Ξεσκεπάζω την ψυχοφθόρα βδελυγμία.",
    "مرحبا بالعالم! كيف حالك؟",
    "שלום עולם! מה שלומך?",
    "नमस्ते दुनिया! आप कैसे हैं?",
    "สวัสดีชาวโลก ภาษาไทยไม่มีช่องว่างระหว่างคำ",
    "你好，世界！今天天气很好。",
    "图中的汽车是什么颜色的？",
    "こんにちは世界！カタカナとひらがなと漢字。",
    "안녕하세요 세계! 한국어 문장입니다.",
    "Español: ¿Qué tal? ¡Muy bien! Mañana, niño.",
    "Polski: zażółć gęślą jaźń. Čeština: Příliš žluťoučký kůň.",
    "Tiếng Việt: Xin chào thế giới.",
    "Türkçe: İstanbul'da ılık bir gün.",
    "English mixed with 中文 and русский and العربية in one line.")

# --- emoji: plain, skin tones, ZWJ sequences, flags, keycaps -------------------------------------
add("😀", "👍", "👍🏽", "👋🏿 hi", "❤️", "I ❤️ NY",
    "👨‍👩‍👧‍👦", "👩🏽‍💻", "🏳️‍🌈", "🧑‍🤝‍🧑", "🇩🇪🇫🇷🇯🇵", "1️⃣2️⃣#️⃣",
    "Great job! 🎉🎉🎉", "😀😃😄😁😆😅😂🤣")

# --- combining characters and normalization-sensitive text (no normalizer should touch these) ----
add("e\u0301", "cafe\u0301 vs caf\u00e9", "a\u0308o\u0308u\u0308", "Z\u0351\u0310a\u0352l\u035bg\u0346o\u0358",
    "\u1100\u1161\u11a8", "\ufb01ne \ufb02ow", "Ｆｕｌｌｗｉｄｔｈ １２３", "x\u00b2 + y\u00b3 = z\u2074",
    "\u212b \u00c5", "ﾊﾝｶｸ")

# --- whitespace runs ----------------------------------------------------------------------------
for n in range(1, 10):
    add(" " * n, "a" + " " * n + "b", " " * n + "a", "a" + " " * n)
add("\t", "\t\t", "a\tb", "\ta", "a\t",
    "\r", "\n\n", "\n\n\n", "\r\n", "\r\n\r\n", "a\nb", "a\n\nb", "a\r\nb", "a\rb",
    "\na", "a\n", " \n", "\n ", " \n ", "a \n b", "a  \n\n  b",
    " \t \n \r\n x", "line1\nline2\r\nline3\rline4", "\n\n\nHello\n\n\n", "  leading and trailing  ",
    "\u00a0nbsp\u00a0", "a\u3000b", "a\u2003b", "a\u200bb", "\ufeffBOM")

# --- digits -------------------------------------------------------------------------------------
for n in range(1, 13):
    add("1234567890123"[:n])
add("0", "00", "007", "3.14159", "-2.5e-10", "1,000", "12,345,678", "1.234.567,89", "1 000 000",
    "$1,234.56", "50%", "2024-11-08", "12:30:45", "v1.5", "x86_64", "1st 2nd 3rd 4th",
    "٠١٢٣٤٥٦٧٨٩", "१२३", "一二三", "Ⅻ", "1/2 ½ ¾")

# --- English contractions in every case, straight and curly apostrophes -------------------------
for suffix in ["s", "t", "re", "ve", "m", "ll", "d"]:
    for form in (suffix, suffix.upper(), suffix.capitalize()):
        add("he'" + form, "HE'" + form)
add("it's", "IT'S", "don't", "DON'T", "they're", "THEY'RE", "we've", "WE'VE", "I'm", "I'M",
    "you'll", "YOU'LL", "she'd", "SHE'D", "it’s", "don’t", "I’M", "'s", "'S", "' s", "''",
    "rock 'n' roll", "the dog's bone's color")

# --- code ---------------------------------------------------------------------------------------
add("def f(x):\n    return x ** 2  # square\n",
    "for i in range(10):\n\tprint(f\"{i:>3}\")\n",
    "if __name__ == \"__main__\":\n    main()\n",
    "#include <vector>\nint main() {\n  std::vector<int> v{1, 2, 3};\n  return v[0];\n}\n",
    "template <typename T> T&& fwd(T& x) noexcept { return static_cast<T&&>(x); }",
    "a->b; c::d; e<<=1; f>>=2; g!=h; i&&j||k; ++l; m--;",
    '{"key": "value", "n": [1, 2.5, -3e4], "nested": {"ok": true, "none": null}}',
    "<html>\n  <body><p class=\"x\">Hi &amp; bye</p></body>\n</html>",
    "<div><img src=\"a.png\" alt=\"<image>\"/></div>",
    "\\begin{equation} E = mc^2 \\quad \\frac{a}{b} \\sum_{i=1}^{n} x_i \\end{equation}",
    "$\\alpha + \\beta = \\gamma$", "SELECT * FROM t WHERE a >= 10 AND b <> 'x';",
    "    indented four\n        indented eight")

# --- URLs, paths, identifiers -------------------------------------------------------------------
add("https://github.com/yfzhang114/SliME", "http://example.com/a/b?c=1&d=%20e#frag",
    "mailto:someone@example.org", "/usr/local/lib/libtorch.so.1.13", "C:\\Users\\name\\file.txt",
    "snake_case_name camelCaseName PascalCase SCREAMING_CASE kebab-case")

# --- punctuation runs ---------------------------------------------------------------------------
add("...", "!!!", "???", "?!?!", "---", "___", "***", "~~~", "((()))", "[[[]]]", "{{{}}}",
    "<<<>>>", "=====", "#####", "@@@", "$$$", "%%%", "^^^", "&&&", "|||", "\\\\\\", "///",
    "\"\"\"", "'''", "```", ",,,", ";;;", ":::", "…", "—–-", "«»‹›“”‘’„", "。、！？",
    "Wait... what?!", "Hello!!! How are you???", "(a) [b] {c} <d>")

# --- SentencePiece meta symbol written literally ------------------------------------------------
add("▁", "▁▁", "▁Hello", "a▁b", "▁ ▁", " ▁", "▁\n")

# --- byte fallback: characters outside the Llama-2 vocabulary (valid UTF-8 only) ---------------
add("\U00020000", "𠜎𠜱𠝹", "龘", "鱻", "\ue000", "\uf8ff", "\U000f0000", "\u0001", "\u007f", "a\u0001b",
    "\u0000", "\u001b[31mred\u001b[0m", "\u0085", "\u2028", "\u2029", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𓀀𓂀", "ꙮ",
    "\U0001fae8", "\ufffd", "\ufffe")

# --- Llama-3 `ignore_merges` probes: whole pre-tokens that are vocabulary entries but that merge-by-
# rank BPE does not reach (tokenizers 0.15 ignores the flag and splits them; see SOURCE.md) ------
add(" việc", "Tôi có nhiều việc ở Việt Nam.", " jeho", "mektedir", "Bir milyon tekrar.", " zdrav",
    "Phylum Arthropoda", ".:.:.:.:.:.:.:.:", "Иран: ایران", " практи")

# --- text next to special-token strings (both vocabularies' specials appear in every file) -------
SPECIALS = ["<s>", "</s>", "<unk>", "<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>"]
for sp in SPECIALS:
    add(sp, "a" + sp + "b", " " + sp + " ", "a " + sp + " b", "\n" + sp + "\n", sp + "Hello",
        sp + " Hello", "Hello" + sp, "Hello " + sp, sp + sp)
add("<s>[INST] hi [/INST]", "</s><s>", "<s> </s>", "< s>", "<s >", "<S>", "<|eot_id|><|eot_id|>",
    "<|end_header_id|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|eot_id", "<image>",
    "a<image>b", " <image> ")

# --- conversation templates (model.md §9.2) and their tokenizer_image_token chunks (§9.3) -------
VICUNA_SYSTEM = ("A chat between a curious user and an artificial intelligence assistant. "
                 "The assistant gives helpful, detailed, and polite answers to the user's questions.")
MMBENCH_SUFFIX = "\nAnswer with the option's letter from the given choices directly."
MMBENCH_CN_SUFFIX = "\n请直接回答选项字母。"
CHARTQA_SUFFIX = "\nAnswer the question using a single word or phrase."
QUESTIONS = [
    "What is the color of the car?",
    "What is written on the sign?" + CHARTQA_SUFFIX,
    "Which year has the highest value?" + CHARTQA_SUFFIX,
    "Hint: The image shows a map.\nWhich state is farthest north?\nA. Ohio\nB. Maine\nC. Iowa\nD. Texas"
    + MMBENCH_SUFFIX,
    "图中的动物是什么？\nA. 猫\nB. 狗\nC. 鸟" + MMBENCH_CN_SUFFIX,
    "Is there a dog in the image? Please answer yes or no.",
    "Describe this image in detail.",
]


def vicuna(question, image=True):
    return VICUNA_SYSTEM + " USER: " + ("<image>\n" if image else "") + question + " ASSISTANT:"


def llama3(question, image=True):
    return ("<|start_header_id|>user<|end_header_id|>\n\n" + ("<image>\n" if image else "") + question
            + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")


add_template(MMBENCH_SUFFIX, MMBENCH_CN_SUFFIX, CHARTQA_SUFFIX, VICUNA_SYSTEM)
for q in QUESTIONS:
    for build in (vicuna, llama3):
        full = build(q)
        add_template(full, build(q, image=False), q)
        add_template(*full.split("<image>"))  # the chunks tokenizer_image_token encodes separately
add_template(vicuna("{question}"), llama3("{question}"),
             vicuna(QUESTIONS[0]) + " The car is red.</s>",
             llama3(QUESTIONS[0]) + "The car is red.<|eot_id|>",
             "<|begin_of_text|>" + llama3(QUESTIONS[0]))

# --- very long words ----------------------------------------------------------------------------
add("a" * 200, "ab" * 100, "x" * 199 + "y", "Supercalifragilisticexpialidocious" * 6,
    "1" * 200, "." * 200, "-" * 200, " " * 200, "\n" * 50, "中" * 200, "😀" * 50,
    "https://example.com/" + "very-long-path-segment/" * 9)

# --- mixed paragraphs of 1-2 kB, assembled from the strings above in a fixed order --------------
_pool = [s for s in STRINGS if 3 <= len(s) <= 120]
for k in range(8):
    para, i = "", k * 7
    while len(para.encode("utf-8")) < 1024 + 96 * k:
        para += _pool[i % len(_pool)] + (" ", "\n", "  ", "\n\n", "\t")[i % 5]
        i += 11
    add(para)

assert len(STRINGS) >= 300, len(STRINGS)
