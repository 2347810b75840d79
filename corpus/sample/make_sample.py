#!/usr/bin/env python3
"""Writes the patsift sample corpus (corpus/sample/) from hand-written building blocks.

All titles, abstracts, claims, descriptions, applicant names and ids produced here are
invented for this project; nothing is copied from real patent documents.

    python3 corpus/sample/make_sample.py

Standard library only; the output is the same on every run (fixed random seed).
"""
import datetime as dt
import json
import os
import random
import re
import sys
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True  # keep the folder free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from areas import AREAS  # noqa: E402

SEED = 20240611
AREA = {a["key"]: a for a in AREAS}

# --------------------------------------------------------------------------- applicants
# (name, entity, preferred areas); all invented.
APPLICANTS = [
    ("Northwind Energy Systems Inc.", "large", ["wind_deice", "micro_inverter", "battery_cooling"]),
    ("Helvion Medical Devices AG", "large", ["hr_sensor", "insole"]),
    ("Kestrel Aerospace Corporation", "large", ["drone_gripper", "tof_sensor"]),
    ("Müller Präzisionstechnik GmbH", "large", ["disc_brake", "heat_pump", "timber_panel"]),
    ("Aldermoor Chemicals plc", "large", ["bio_film", "membrane"]),
    ("Voltaris Mobility Corp.", "large", ["battery_cooling", "nn_accel", "disc_brake"]),
    ("Synaptic Silicon Ltd.", "large", ["nn_accel", "tof_sensor"]),
    ("Thermoflux Industries Co., Ltd.", "large", ["heat_pump", "battery_cooling"]),
    ("Bergström Byggsystem AB", "large", ["timber_panel"]),
    ("Pacifica Photonics Inc.", "large", ["tof_sensor", "hr_sensor"]),
    ("Compagnie Aquaréa des Membranes SA", "large", ["membrane", "bio_film"]),
    ("Orinoco Logistics Robotics LLC", "large", ["drone_gripper"]),
    ("Kōsei Electric Works K.K.", "large", ["micro_inverter", "heat_pump", "nn_accel"]),
    ("Granite Peak Building Products Inc.", "large", ["timber_panel", "insole"]),
    ("Velocità Componenti Ciclo S.p.A.", "large", ["disc_brake", "wind_deice"]),
    ("Café Systèmes SARL", "small", ["heat_pump", "micro_inverter"]),
    ("Nordström Membran AB", "small", ["membrane"]),
    ("Ingeniería Solar Andaluza S.L.", "small", ["micro_inverter", "wind_deice"]),
    ("Footpath Orthotics Ltd.", "small", ["insole"]),
    ("Pulsewise Health Inc.", "small", ["hr_sensor"]),
    ("Timberlock Modular Oy", "small", ["timber_panel"]),
    ("Greenleaf Biopolymers B.V.", "small", ["bio_film"]),
    ("Tensor Forge Semiconductor Inc.", "small", ["nn_accel", "tof_sensor"]),
    ("Skyhook Parcel Systems Ltd.", "small", ["drone_gripper", "disc_brake"]),
    ("Øresund Vindteknik ApS", "micro", ["wind_deice"]),
    ("Rideline Components LLC", "micro", ["disc_brake", "drone_gripper"]),
    ("Brightwater Filtration Labs", "micro", ["membrane", "bio_film"]),
    ("Sole Science Studio LLC", "micro", ["insole", "hr_sensor"]),
    ("Lumen Metrics GmbH", "micro", ["tof_sensor", "nn_accel"]),
    ("Coldspring Cell Labs Inc.", "micro", ["battery_cooling", "heat_pump", "timber_panel"]),
]
# Extra applicants that only appear in pending applications (start-ups, individuals' companies).
PENDING_APPLICANTS = [
    ("Fennel & Hart Devices LLC", "micro"),
    ("Quillon Robotics Inc.", "small"),
    ("Blauwe Golf Energie B.V.", "small"),
    ("Marisol Tecnologías S.A.S.", "micro"),
    ("Stillwater Innovations", "unknown"),
    ("Kaskade Werkstoffe UG", "micro"),
]

# --------------------------------------------------------------------------- templates
GENERIC_TITLES = ["{Dev} and method of {method}", "Method of {method}", "{Dev} for {field}",
                  "Improved {dev}", "{Dev} with {a:r3}"]
GENERIC_OPEN = ["{A:dev} is disclosed that includes {a:r1}, {a:r2} and {a:r3}.",
                "{A:dev} comprises {a:r1} and {a:r2} arranged so that the device can {g1}.",
                "Disclosed herein is {a:dev} for use in {field}, comprising {a:r1}, {a:r2} and {a:r3}.",
                "According to one aspect, {a:dev} includes {a:r1} and {a:r2} and is configured to {g1}.",
                "{A:dev} has {a:r1}, {a:r2} and {a:r3} that together make it possible to {g1}."]
GENERIC_CLOSE = ["A method of {method} is also provided.",
                 "The arrangement allows the {dev} to {g2} while keeping manufacturing costs low.",
                 "Compared with known designs, the {dev} is simpler to assemble and can {g3}.",
                 "In further embodiments, the {r4} is omitted or replaced by {a:r5}."]
GENERIC_INDEP = [
    "{A:dev}, comprising: {a:r1}; {a:r2}; {a:r3}; and {a:r4}, wherein the {dev} is configured to {g1}.",
    "{A:dev} comprising: {a:r1}; {a:r2} arranged relative to the {r1}; and {a:r3}, wherein the {r1} and the {r2} cooperate so that the {dev} can {g1}.",
    "{A:dev}, comprising: {a:r1}; {a:r2} coupled to the {r1}; {a:r3}; and {a:r4} supported by the {r2}, wherein the {dev} is configured to {g1} and to {g2}.",
]
GENERIC_DEPS = [
    "wherein the {r2} is removably attached to the {r1}.",
    "wherein the {r1} and the {r2} are formed as a single integral part.",
    "further comprising {a:r5} arranged adjacent to the {r3}.",
    "further comprising {a:r6}.",
    "wherein the {r3} is located between the {r1} and the {r2}.",
    "wherein the {r4} is replaceable without disassembling the {r1}.",
    "wherein the {dev} is further configured to {g4}.",
]
GENERIC_MDEPS = [
    "further comprising repeating the steps at intervals of less than {n:2-60} seconds.",
    "further comprising recording a result of each step in a log stored in a memory.",
    "wherein the steps are performed automatically without intervention of an operator.",
]
GENERIC_SDEPS = [
    "wherein the {dev} is further configured to {g3}.",
    "further comprising a user interface configured to display a status of the {dev}.",
    "wherein the {r2} of the {dev} is replaceable in the field.",
]
SUMMARY = ["It is an object of the present disclosure to provide {a:dev} that can {g1}. According to a first aspect, the {dev} comprises {a:r1}, {a:r2} and {a:r3}. According to a second aspect, a method of {method} is provided.",
           "The inventors have found that the drawbacks described above can be overcome when the {r1} and the {r2} are arranged so that the {dev} can {g1}. This also makes it possible to {g2}.",
           "In general terms, the present disclosure provides {a:dev} in which {a:r1} works together with {a:r2}. As a result, the {dev} is able to {g1} and, in some embodiments, to {g2}."]
FIELD = ["The present disclosure relates to {field}, and in particular to {a:dev}.",
         "This invention lies in the field of {field}. It concerns {a:dev} and a method of {method}.",
         "Embodiments described herein concern {a:dev} of the kind used in {field}.",
         "The invention relates generally to {field}.",
         "TECHNICAL FIELD: {Dev}s, their components, and methods of {method}."]
DRAWINGS = "FIG. 1 is a perspective view of {a:dev} according to an embodiment. FIG. 2 is a sectional view of the {r1} shown in FIG. 1. FIG. 3 is a flow chart of a method of {method}."
CLOSING = ["The embodiments described above are examples only. Features of different embodiments may be combined, and the {r2} may be replaced by any component that performs the same function without departing from the scope of the claims.",
           "Although the invention has been described with reference to preferred embodiments, the skilled person will understand that modifications can be made, for example to the shape of the {r1} or to the materials used, within the scope of the appended claims.",
           "Terms such as upper, lower, inner and outer refer to the orientation shown in the drawings and do not limit the {dev} to a particular orientation in use."]

TOK = re.compile(r"\{(\w+)(?::([^{}]+))?\}")
VOWEL_EXC = ("uni", "use", "usa", "one")


def article(phrase):
    w = phrase.lower()
    if w.startswith(VOWEL_EXC):
        return "a " + phrase
    if w[0] in "aeiou" or re.match(r"(led|mppt|rms)\b", w):
        return "an " + phrase
    return "a " + phrase


def cap(s):
    return s[:1].upper() + s[1:]


class Ctx:
    """The words one document is written with: its area, device name and random picks."""

    def __init__(self, area, rng, dev=None):
        self.area, self.rng = area, rng
        self.dev = dev or rng.choice(area["devices"])
        comps = area["comps"]
        rest = rng.sample(comps[2:], len(comps) - 2)
        self.r = comps[:2] + rest          # claim-1 components: the two main ones first
        self.g = rng.sample(area["funcs"], len(area["funcs"]))

    def value(self, key):
        if key == "dev":
            return self.dev
        if key == "Dev":
            return cap(self.dev)
        if key in ("method", "field"):
            return self.area[key]
        m = re.fullmatch(r"([cfrg])(\d+)", key)
        if m:
            i = int(m.group(2)) - 1
            return {"c": self.area["comps"], "f": self.area["funcs"], "r": self.r, "g": self.g}[m.group(1)][i]
        raise KeyError(key)

    def fill(self, tpl):
        def rep(m):
            k, arg = m.group(1), m.group(2)
            if k == "a":
                return article(self.value(arg))
            if k == "A":
                return cap(article(self.value(arg)))
            if k == "n":
                lo, hi = map(int, arg.split("-"))
                return str(self.rng.randint(lo, hi))
            return self.value(k)
        return TOK.sub(rep, tpl)


def nwords(s):
    return len(s.split())


# --------------------------------------------------------------------------- documents
def make_title(c):
    rng = c.rng
    for _ in range(50):
        pool = c.area["titles"] if rng.random() < 0.8 else GENERIC_TITLES
        t = c.fill(rng.choice(pool))
        if 4 <= nwords(t) <= 15:
            return t
    raise RuntimeError("no title")


def make_abstract(c):
    rng = c.rng
    parts = [c.fill(rng.choice(GENERIC_OPEN))]
    ab = c.area["abstract"]
    body = [ab[i] for i in sorted(rng.sample(range(len(ab)), rng.randint(3, len(ab))))]
    target = rng.randint(75, 150)
    for s in body:
        if nwords(" ".join(parts)) >= target:
            break
        parts.append(c.fill(s))
    if rng.random() < 0.5:
        parts.append(c.fill(rng.choice(GENERIC_CLOSE)))
    while nwords(" ".join(parts)) > 175:
        parts.pop(-2)
    text = " ".join(parts)
    assert 60 <= nwords(text) <= 180, text
    return text


def subject_of(indep):
    if indep.startswith("A method"):
        return "method"
    m = re.match(r"An? (.+?),? comprising", indep)
    return m.group(1)


def make_claims(c, n_total, n_indep):
    """Returns a list of claim texts without numbers; n_indep independent claims (1-5)."""
    rng = c.rng
    kinds = ["app"] + rng.sample(["method", "system"], 2) + ["app2", "method2"]
    kinds = kinds[:n_indep]
    groups = []
    for k in kinds:
        if k in ("app", "app2"):
            tpl = rng.choice(GENERIC_INDEP)
            deps = [t for t in rng.sample(c.area["deps"], len(c.area["deps"])) + rng.sample(GENERIC_DEPS, 3)
                    if not (t.startswith("further") and any(r in t for r in c.r[:4]))]
        elif k.startswith("method"):
            steps = c.area["steps"]
            idx = sorted(rng.sample(range(len(steps)), rng.randint(3, min(5, len(steps)))))
            chosen = [steps[i] for i in idx]
            tpl = "A method of {method}, the method comprising: " + "; ".join(chosen[:-1]) + "; and " + chosen[-1] + "."
            deps = c.area["mdeps"] + GENERIC_MDEPS
        else:
            tpl = c.area["system"]
            deps = GENERIC_SDEPS
        text = c.fill(tpl)
        if not k.startswith("app"):
            deps = rng.sample(deps, len(deps))
        groups.append([text, subject_of(text), deps])
    # share the dependent claims among the groups, most to the first
    n_dep = n_total - n_indep
    counts = [0] * n_indep
    for _ in range(n_dep):
        order = [0] * 4 + list(range(n_indep))
        for _try in range(10):
            g = rng.choice(order)
            if counts[g] < len(groups[g][2]) * (2 if n_total > 20 else 1):
                counts[g] += 1
                break
    claims = []
    for (text, subj, deps), k in zip(groups, counts):
        base = len(claims) + 1
        claims.append(text)
        for j in range(k):
            tail = deps[j % len(deps)]
            ref = base
            if j > 0 and rng.random() < 0.3:
                ref = len(claims)  # refer to the previous dependent claim
            claims.append(c.fill("The %s of claim %d, %s" % (subj, ref, tail)))
    return [("%d. " % (i + 1)) + t for i, t in enumerate(claims)]


def make_description(c, lead=None):
    rng = c.rng
    a = c.area
    paras = []
    if lead:
        paras.append(lead)
    paras.append(c.fill(rng.choice(FIELD)))
    paras += [c.fill(p) for p in rng.sample(a["background"], rng.randint(1, 2))]
    paras.append(c.fill(rng.choice(SUMMARY)))
    if rng.random() < 0.3:
        paras.append(c.fill(DRAWINGS))
    details = [c.fill(p) for p in rng.sample(a["detail"], rng.randint(2, len(a["detail"])))]
    closing = c.fill(rng.choice(CLOSING)) if rng.random() < 0.7 else ""
    text = "\n\n".join(paras + details + [closing]).strip()
    while nwords(text) > 590 and len(details) > 1:
        details.pop()
        text = "\n\n".join(paras + details + [closing]).strip()
    assert 150 <= nwords(text) <= 600, nwords(text)
    return text


def rand_date(rng, lo, hi):
    return lo + dt.timedelta(days=rng.randint(0, (hi - lo).days))


D = dt.date
CORPUS_END = D(2024, 12, 31)


def make_dates(rng, kind, lo=D(1998, 1, 5), hi=D(2021, 6, 30)):
    while True:
        pri = rand_date(rng, lo, hi)
        fil = pri if rng.random() < 0.3 else pri + dt.timedelta(days=rng.randint(30, 365))
        if kind == "A1":
            pub = pri + dt.timedelta(days=rng.randint(545, 560))
        else:
            pub = fil + dt.timedelta(days=rng.randint(540, 1500))
        if kind == "A1" and pub.year < 2002:
            continue
        if pub <= CORPUS_END and pub > fil:
            return pri, fil, pub


def pick_applicant(rng, area_key):
    for _ in range(20):
        ent = rng.choices(["micro", "small", "large"], [0.23, 0.3, 0.47])[0]
        cands = [a for a in APPLICANTS if a[1] == ent and area_key in a[2]]
        if cands:
            return rng.choice(cands)[:2]
    return rng.choice([a for a in APPLICANTS if area_key in a[2]])[:2]


def make_doc(rng, area, kind=None, n_claims=None, n_indep=None, dev=None):
    c = Ctx(area, rng, dev)
    kind = kind or rng.choices(["B2", "A1"], [0.75, 0.25])[0]
    if n_claims is None:
        n_claims = rng.choice([3, 5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 20, 20])
    if n_indep is None:
        n_indep = rng.choices([1, 2, 3], [0.35, 0.45, 0.2])[0]
    n_indep = min(n_indep, max(1, n_claims // 3))
    name, ent = pick_applicant(rng, area["key"])
    cpc = [area["cpc"][0]] + rng.sample(area["cpc"][1:], rng.randint(1, 4))
    ipc = [area["ipc"][0]] + rng.sample(area["ipc"][1:], rng.randint(0, len(area["ipc"]) - 1))
    pri, fil, pub = make_dates(rng, kind)
    d = {
        "id": None, "kind": kind, "title": make_title(c), "abstract": make_abstract(c),
        "claims": make_claims(c, n_claims, n_indep), "description": make_description(c),
        "cpc": cpc, "ipc": ipc, "applicant": name, "entity": ent, "fast_track": False,
        "filing_date": fil, "priority_date": pri, "publication_date": pub, "citations": [],
        "_area": area["key"], "_ctx": c,
    }
    d["_claim1"] = d["claims"][0]
    return d


# --------------------------------------------------------------------------- CJK documents (hand-written)
CJK_DOCS = [
    dict(area="battery_cooling", office="CN", applicant=("深圳市恒源储能科技有限公司", "large"),
         title="一种用于锂离子电池模组的液冷板及电池包",
         abstract="本发明公开了一种用于锂离子电池模组的液冷板及电池包，液冷板包括上盖板、下底板、进液管和出液管，所述下底板上冲压形成有蛇形冷却流道，所述冷却流道的深度沿冷却液流动方向逐渐增大。上盖板与下底板通过钎焊连接，电芯与上盖板之间填充导热硅胶（thermal interface material）。本发明结构简单、成本低，能够有效减小电池模组内各电芯之间的温差，在快充（fast charging）工况下将电芯最高温度控制在45℃以下，从而延长电池的循环寿命。",
         lead="本发明涉及动力电池热管理技术领域。现有液冷板的流道截面沿程不变，靠近进液口的电芯冷却较强，靠近出液口的电芯冷却较弱，导致模组内温差较大。"),
    dict(area="micro_inverter", office="CN", applicant=("江苏光拓新能源有限公司", "small"),
         title="一种光伏组件用微型逆变器及其MPPT控制方法",
         abstract="本发明涉及光伏发电技术领域，具体涉及一种光伏组件用微型逆变器（micro-inverter）及其最大功率点跟踪（MPPT）控制方法。该微型逆变器包括直流输入端、两路交错并联的反激变换器、工频换向全桥电路和数字信号控制器，所述数字信号控制器采用扰动观察法调节光伏组件的工作点。本发明采用薄膜电容代替电解电容作为功率解耦元件，提高了逆变器在高温环境下的使用寿命；同时通过电力线载波通信模块将组件级发电数据上传至网关，便于运维人员及时发现被遮挡或发生故障的组件。",
         lead="本发明涉及一种微型逆变器。传统组串式逆变器中，一块组件被遮挡会拉低整串组件的输出功率，而组件级电力电子设备可以避免这一问题。"),
    dict(area="bio_film", office="CN", applicant=("浙江绿源新材料股份有限公司", "large"),
         title="一种可生物降解包装薄膜及其制备方法",
         abstract="本发明公开了一种可生物降解包装薄膜及其制备方法。所述薄膜按重量份计由以下原料制成：聚乳酸（PLA）55～70份、聚己二酸/对苯二甲酸丁二醇酯（PBAT）25～40份、环氧类扩链剂0.2～0.8份、柠檬酸酯类增塑剂3～8份以及开口剂0.5～1份。制备方法包括：将各原料干燥后在双螺杆挤出机中熔融共混造粒，再经吹塑成膜。所得薄膜横向撕裂强度高、透明度好，在工业堆肥条件下12周内可完全崩解，适用于购物袋和果蔬包装袋。",
         lead="本发明属于高分子材料技术领域。聚乳酸薄膜质脆易撕裂，而与柔性聚酯共混时两相相容性差，薄膜力学性能和光学性能难以兼顾。"),
    dict(area="drone_gripper", office="CN", applicant=("成都翼达智能科技有限公司", "small"),
         title="一种无人机配送用电磁抓取装置",
         abstract="本发明提供一种无人机配送用电磁抓取装置，属于无人机物流技术领域。该装置包括安装在无人机机身下方的绞盘、缠绕于绞盘上的系绳、连接于系绳末端的电磁吸盘以及设置在系绳路径上的拉力传感器（load cell）。无人机悬停时，绞盘释放系绳使包裹缓慢下降；当拉力传感器检测到拉力骤降时，控制器判断包裹已经着地，并使电磁吸盘释放包裹。本发明无需无人机降落即可完成投递，避免了旋翼对地面人员造成伤害，且在断电时永磁体仍能保持住包裹，安全可靠。",
         lead="本发明涉及无人机物流配送。现有方案多采用直接抛投的方式，容易损坏包裹内的物品，且包裹可能落在预定区域之外。"),
    dict(area="heat_pump", office="JP", applicant=("株式会社三枝冷機製作所", "large"),
         title="ヒートポンプ用スクロール圧縮機およびその制御方法",
         abstract="【課題】低外気温時においても吐出温度の上昇を抑制し、高い暖房能力を維持できるヒートポンプ用スクロール圧縮機を提供する。【解決手段】スクロール圧縮機は、固定スクロールと、固定スクロールとの間に圧縮室を形成する旋回スクロールと、旋回スクロールを駆動する永久磁石モータとを備える。固定スクロールには、エコノマイザからの中間圧の冷媒ガスを圧縮室に注入するインジェクションポートが設けられている。制御装置は、吐出温度センサの検出値が所定値を超えたとき、インジェクション量を増加させ、またはモータ回転数を低下させる。冷媒としてプロパン（R290）を用いる場合にも、封入油量を少なく抑えることができる。",
         lead="本発明は、空気熱源ヒートポンプに用いられる圧縮機に関する。寒冷地では外気温の低下に伴って圧縮比が大きくなり、吐出温度が上昇するとともに暖房能力が低下するという問題がある。"),
    dict(area="tof_sensor", office="JP", applicant=("ミナト光電株式会社", "small"),
         title="光学式測距センサおよびその校正方法",
         abstract="【課題】カバーガラスによる内部反射（crosstalk）の影響を低減し、近距離から遠距離まで正確に距離を測定できる光学式測距センサを提供する。【解決手段】光学式測距センサは、パルス光を出射する面発光レーザ（VCSEL）と、対象物からの反射光を検出するSPADアレイと、光子の到来時刻をヒストグラムとして記録する時間デジタル変換器とを備える。信号処理部は、ヒストグラムから環境光成分を推定して差し引いた後、カバーガラスからの反射に相当するピークを除外して対象物のピークを特定する。出射側と受光側との間には、赤外線を吸収する遮光壁が設けられている。",
         lead="本発明は、スマートフォンやロボットに搭載される小型の光学式測距センサに関する。強い太陽光の下では環境光の光子が微弱な反射信号を埋もれさせてしまう。"),
]


def make_cjk_doc(rng, spec):
    area = AREA[spec["area"]]
    d = make_doc(rng, area, kind="A", n_claims=rng.randint(6, 10), n_indep=2)
    c = d["_ctx"]
    d.update(title=spec["title"], abstract=spec["abstract"], applicant=spec["applicant"][0],
             entity=spec["applicant"][1], description=make_description(c, lead=spec["lead"]),
             _office=spec["office"])
    return d


# --------------------------------------------------------------------------- near-duplicates
SYN = [(r"\bcomprising\b", "including"), (r"\bconfigured to\b", "adapted to"), (r"\bcoupled to\b", "connected to"),
       (r"\barranged\b", "disposed"), (r"\bin order to\b", "so as to"), (r"\bhelps to\b", "serves to"),
       (r"\bcan\b", "is able to"), (r"\babout\b", "approximately"), (r"\bsmall\b", "minor"),
       (r"\bincludes\b", "comprises"), (r"\bmakes it possible to\b", "allows the device to"),
       (r"\bsuitable for\b", "intended for"), (r"\bmore than\b", "over"), (r"\bless than\b", "below"),
       (r"\bthereby\b", "thus"), (r"\bfurther comprising\b", "also comprising"), (r"\bdisclosed\b", "described"),
       (r"\bwhich\b", "that"), (r"\bmay be\b", "can be"), (r"\balso\b", "additionally"), (r"\bsuch as\b", "for example"),
       (r"\bwhen\b", "if"), (r"\bthrough\b", "via"), (r"\breduce\b", "lower"), (r"\bprevent\b", "avoid"),
       (r"\bmeasures\b", "determines"), (r"\bdetected\b", "sensed"), (r"\bstored\b", "kept"), (r"\btogether\b", "jointly")]


def edit_text(rng, text, k):
    """Makes up to k small word-level edits; returns (text, number of edits)."""
    done = 0
    for pat, rep in rng.sample(SYN, len(SYN)):
        if done >= k:
            break
        new = re.sub(pat, rep, text, count=1)
        if new != text:
            text, done = new, done + 1
    if done < k:  # change one number
        m = list(re.finditer(r"(?<=\s)(\d{2,3})(?=\s)", text))
        if m:
            x = rng.choice(m)
            text = text[:x.start()] + str(int(x.group(1)) + rng.randint(1, 5)) + text[x.end():]
            done += 1
    return text, done


def renumber(claims):
    return ["%d. %s" % (i + 1, re.sub(r"^\d+\. ", "", t)) for i, t in enumerate(claims)]


def near_copy(rng, parent, mode):
    """A continuation/divisional/copy of parent: same text with a few edits. Returns (doc, note)."""
    d = {k: v for k, v in parent.items()}
    d["abstract"], n_ab = edit_text(rng, parent["abstract"], rng.randint(2, 3))
    claims = list(parent["claims"])
    n_cl = 0
    want = rng.randint(1, 3)
    for i in rng.sample(range(len(claims)), len(claims)):
        if n_cl >= want:
            break
        claims[i], e = edit_text(rng, claims[i], 1)
        n_cl += e
    c = parent["_ctx"]
    subj = subject_of(re.sub(r"^\d+\. ", "", parent["_claim1"]))
    if (mode == "divisional" or len(claims) >= 20) and len(claims) > 3:
        claims = claims[:-1]
        change = "last claim removed"
    else:
        claims.append(c.fill("The %s of claim 1, %s" % (subj, rng.choice(GENERIC_DEPS))))
        change = "claim %d added" % len(claims)
    d["claims"] = renumber(claims)
    d["description"], _ = edit_text(rng, parent["description"], 3)
    if rng.random() < 0.5:
        d["title"], _ = edit_text(rng, parent["title"], 1)
    note = "%d words changed in abstract, %d in claims; %s" % (n_ab, n_cl, change)
    return d, note


# --------------------------------------------------------------------------- main corpus
def build():
    rng = random.Random(SEED)
    docs = []
    keys = [a["key"] for a in AREAS]
    n_base = 200 - 12 - len(CJK_DOCS)
    for i in range(n_base):
        docs.append(make_doc(rng, AREA[keys[i % len(keys)]]))
    for spec in CJK_DOCS:
        docs.append(make_cjk_doc(rng, spec))

    # 12 continuation / divisional pairs
    pairs = []
    parents = [d for d in docs[:n_base] if d["kind"] == "B2" and d["filing_date"] < D(2018, 1, 1)]
    parents = rng.sample(parents, 12)
    for i, p in enumerate(parents):
        mode = "divisional" if i % 3 == 2 else "continuation"
        for _ in range(100):
            fil = p["filing_date"] + dt.timedelta(days=rng.randint(300, 1100))
            pub = fil + dt.timedelta(days=rng.randint(400, 1200))
            if p["publication_date"] < pub <= CORPUS_END:
                break
        else:
            raise RuntimeError("no dates for child")
        child, note = near_copy(rng, p, mode)
        child.update(filing_date=fil, publication_date=pub, kind="B2", priority_date=p["priority_date"])
        child["_family"] = p["_family"] = True
        docs.append(child)
        pairs.append((child, p, mode, note))

    # ids in publication order
    docs.sort(key=lambda d: (d["publication_date"], d["filing_date"]))
    b2 = 9100001
    used = set()
    for d in docs:
        y = d["publication_date"].year
        if d["kind"] == "B2":
            d["id"] = "US%dB2" % b2
            b2 += rng.randint(1, 25)
        elif d["kind"] == "A1":
            while True:
                i = "US%d%07d%s" % (y, rng.randint(1000, 480000), "A1")
                if i not in used:
                    break
            d["id"] = i
        elif d["_office"] == "CN":
            d["id"] = "CN1%08dA" % rng.randint(4000000, 99999999)
        else:
            d["id"] = "JP%d%06dA" % (y, rng.randint(1000, 250000))
        assert d["id"] not in used
        used.add(d["id"])

    # citations: documents published before the citing one was filed, mostly the same area
    for i, d in enumerate(docs):
        prior = [e for e in docs[:i] if e["publication_date"] < d["filing_date"]]
        same = [e for e in prior if e["_area"] == d["_area"]]
        k = rng.choices([0, 1, 2, 3, 4, 5], [0.15, 0.2, 0.25, 0.2, 0.1, 0.1])[0]
        cited = []
        for _ in range(k):
            pool = same if same and rng.random() < 0.85 else prior
            if pool:
                e = rng.choice(pool)
                if e["id"] not in cited:
                    cited.append(e["id"])
        d["citations"] = cited
    # a continuation cites its parent when the parent was already published
    pos = {d["id"]: i for i, d in enumerate(docs)}
    for child, p, _, _ in pairs:
        if pos[p["id"]] < pos[child["id"]] and p["id"] not in child["citations"]:
            child["citations"].insert(0, p["id"])
    return rng, docs, pairs


def build_pending(rng, docs):
    out, pairs = [], []
    keys = [a["key"] for a in AREAS]
    used = set()
    # six near-copies of granted documents first, then fresh applications
    sources = rng.sample([d for d in docs if d["kind"] == "B2" and d["id"].startswith("US")
                          and len(d["claims"]) >= 5 and not d.get("_family")], 6)
    for i in range(30):
        while True:
            pid = "US2026%07dA1" % rng.randint(1000, 420000)
            if pid not in used:
                used.add(pid)
                break
        ent = rng.choices(["micro", "small", "large", "unknown"], [0.25, 0.35, 0.3, 0.1])[0]
        if i < 6:
            src = sources[i]
            d, note = near_copy(rng, src, "copy")
            others = [a for a in APPLICANTS if a[0] != src["applicant"] and a[1] == ent] or \
                     [a for a in PENDING_APPLICANTS if a[1] == ent]
            d["applicant"] = rng.choice(others)[0]
            pairs.append((pid, src["id"], "pending-vs-prior", "abstract and claims copied from the granted document; " + note))
        else:
            area = AREA[keys[i % len(keys)]]
            big = ent in ("micro", "small") and rng.random() < 0.45
            if big:
                if rng.random() < 0.5:
                    n_claims, n_indep = rng.randint(22, 30), rng.randint(2, 3)
                else:
                    n_claims, n_indep = rng.randint(12, 20), rng.randint(4, 5)
            else:
                n_claims, n_indep = rng.randint(3, 20), rng.choice([1, 2, 2, 3])
            d = make_doc(rng, area, kind="A1", n_claims=n_claims, n_indep=n_indep)
            if n_indep > 3:  # make_doc caps independents at a third of the claims
                d["claims"] = make_claims(d["_ctx"], n_claims, n_indep)
            pool = [a for a in APPLICANTS if a[1] == ent and area["key"] in a[2]] or \
                   [a for a in APPLICANTS + [(n, e, []) for n, e in PENDING_APPLICANTS] if a[1] == ent]
            d["applicant"] = rng.choice(pool)[0]
        fil = rand_date(rng, D(2025, 1, 6), D(2026, 5, 29))
        pri = fil if rng.random() < 0.55 else fil - dt.timedelta(days=rng.randint(30, 365))
        prior = [e["id"] for e in docs if e["publication_date"] < pri and e["_area"] == d["_area"]]
        cits = rng.sample(prior, min(len(prior), rng.randint(0, 4)))
        fast = ent in ("micro", "small") and rng.random() < 0.5 or (ent == "unknown" and rng.random() < 0.3)
        d.update(id=pid, kind="A1", entity=ent, fast_track=bool(fast), filing_date=fil, priority_date=pri,
                 publication_date=None, citations=cits)
        out.append(d)
    return out, pairs


def public(d, pending=False):
    keys = ["id", "kind", "title", "abstract", "claims", "description", "cpc", "ipc", "applicant", "entity",
            "fast_track", "filing_date", "priority_date", "publication_date", "citations"]
    o = {}
    for k in keys:
        v = d[k]
        if k == "publication_date" and pending:
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()
        o[k] = v
    return o


def write_jsonl(path, docs, pending=False):
    with open(path, "w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(public(d, pending), ensure_ascii=False) + "\n")


# --------------------------------------------------------------------------- plain text
def write_txt(rng):
    specs = [("US9400012B2", "hr_sensor"), ("US9400187B2", "timber_panel"),
             ("US9400420B2", "nn_accel"), ("US20190245871A1", "insole")]
    os.makedirs(os.path.join(HERE, "txt"), exist_ok=True)
    for pid, key in specs:
        d = make_doc(rng, AREA[key], kind=pid[-2:], n_claims=rng.randint(5, 12), n_indep=2)
        lines = [d["title"], "Abstract", d["abstract"], "Claims"] + d["claims"] + ["Description", d["description"]]
        with open(os.path.join(HERE, "txt", pid + ".txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


# --------------------------------------------------------------------------- USPTO XML
def cls_parts(code):
    m = re.fullmatch(r"([A-HY])(\d\d)([A-Z]) (\d+)/(\d+)", code)
    return m.groups()


def ipcr_xml(code, pos, day):
    s, c, sc, mg, sg = cls_parts(code)
    return ("<classification-ipcr>\n<ipc-version-indicator><date>20060101</date></ipc-version-indicator>\n"
            "<classification-level>A</classification-level>\n<section>%s</section>\n<class>%s</class>\n"
            "<subclass>%s</subclass>\n<main-group>%s</main-group>\n<subgroup>%s</subgroup>\n"
            "<symbol-position>%s</symbol-position>\n<classification-value>I</classification-value>\n"
            "<action-date><date>%s</date></action-date>\n<generating-office><country>US</country></generating-office>\n"
            "<classification-status>B</classification-status>\n<classification-data-source>H</classification-data-source>\n"
            "</classification-ipcr>" % (s, c, sc, mg, sg, pos, day))


def cpc_xml(code, pos, day):
    s, c, sc, mg, sg = cls_parts(code)
    return ("<classification-cpc>\n<cpc-version-indicator><date>20130101</date></cpc-version-indicator>\n"
            "<section>%s</section>\n<class>%s</class>\n<subclass>%s</subclass>\n<main-group>%s</main-group>\n"
            "<subgroup>%s</subgroup>\n<symbol-position>%s</symbol-position>\n<classification-value>I</classification-value>\n"
            "<action-date><date>%s</date></action-date>\n<generating-office><country>US</country></generating-office>\n"
            "<classification-status>B</classification-status>\n<classification-data-source>H</classification-data-source>\n"
            "<scheme-origination-code>C</scheme-origination-code>\n</classification-cpc>" % (s, c, sc, mg, sg, pos, day))


def markup(text):
    """Escapes text for XML and adds the inline markup bulk files use."""
    t = escape(text)
    t = t.replace("H2O", "H<sub>2</sub>O").replace("CO2", "CO<sub>2</sub>").replace("m2K", "m<sup>2</sup>K")
    return t


def claim_xml(num, text):
    cid = "CLM-%05d" % num
    body = re.sub(r"^\d+\. ", "", text)
    m = re.match(r"(The .+? of )claim (\d+)(, .*)$", body)
    if m:
        inner = "%d. %s<claim-ref idref=\"CLM-%05d\">claim %s</claim-ref>%s" % (
            num, markup(m.group(1)), int(m.group(2)), m.group(2), markup(m.group(3)))
    elif ": " in body:
        head, rest = body.split(": ", 1)
        items = rest.split("; ")
        for j in range(1, len(items)):
            if items[j].startswith("and "):
                items[j - 1] += "; and"
                items[j] = items[j][4:]
        inner = "%d. %s:\n" % (num, markup(head)) + "\n".join(
            "<claim-text>%s%s</claim-text>" % (markup(it), ";" if j < len(items) - 1 and not it.endswith("; and") else "")
            for j, it in enumerate(items)) + "\n"
    else:
        inner = "%d. %s" % (num, markup(body))
    return '<claim id="%s" num="%05d">\n<claim-text>%s</claim-text>\n</claim>' % (cid, num, inner)


def grant_xml(d, docnum, appnum, city, country, extra_sentence, inventors):
    pub = d["publication_date"].strftime("%Y%m%d")
    produced = (d["publication_date"] - dt.timedelta(days=18)).strftime("%Y%m%d")
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<!DOCTYPE us-patent-grant SYSTEM "us-patent-grant-v45-2014-04-03.dtd" [ ]>',
           '<us-patent-grant lang="EN" dtd-version="v4.5 2014-04-03" file="US%s-%s.XML" status="PRODUCTION" '
           'id="us-patent-grant" country="US" date-produced="%s" date-publ="%s">' % (docnum, pub, produced, pub),
           "<us-bibliographic-data-grant>",
           "<publication-reference>\n<document-id>\n<country>US</country>\n<doc-number>%s</doc-number>\n"
           "<kind>B2</kind>\n<date>%s</date>\n</document-id>\n</publication-reference>" % (docnum, pub),
           '<application-reference appl-type="utility">\n<document-id>\n<country>US</country>\n'
           "<doc-number>%s</doc-number>\n<date>%s</date>\n</document-id>\n</application-reference>"
           % (appnum, d["filing_date"].strftime("%Y%m%d")),
           "<us-application-series-code>%s</us-application-series-code>" % appnum[:2]]
    if d["priority_date"] < d["filing_date"]:
        out.append('<priority-claims>\n<priority-claim sequence="01" kind="national">\n<country>%s</country>\n'
                   "<doc-number>%s</doc-number>\n<date>%s</date>\n</priority-claim>\n</priority-claims>"
                   % (country, "%d%07d" % (d["priority_date"].year, int(appnum[2:]) % 9999991),
                      d["priority_date"].strftime("%Y%m%d")))
    out.append("<classifications-ipcr>")
    out += [ipcr_xml(c, "F" if i == 0 else "L", pub) for i, c in enumerate(d["ipc"])]
    out.append("</classifications-ipcr>\n<classifications-cpc>\n<main-cpc>")
    out.append(cpc_xml(d["cpc"][0], "F", pub))
    out.append("</main-cpc>\n<further-cpc>")
    out += [cpc_xml(c, "L", pub) for c in d["cpc"][1:]]
    out.append("</further-cpc>\n</classifications-cpc>")
    out.append('<invention-title id="d2e43">%s</invention-title>' % markup(d["title"]))
    out.append("<us-references-cited>")
    for i, cid in enumerate(d["citations"]):
        m = re.fullmatch(r"US(\d+)(B2|A1)", cid)
        out.append('<us-citation>\n<patcit num="%05d">\n<document-id>\n<country>US</country>\n<doc-number>%s</doc-number>\n'
                   "<kind>%s</kind>\n</document-id>\n</patcit>\n<category>cited by examiner</category>\n</us-citation>"
                   % (i + 1, m.group(1), m.group(2)))
    out.append("</us-references-cited>")
    out.append("<number-of-claims>%d</number-of-claims>\n<us-exemplary-claim>1</us-exemplary-claim>" % len(d["claims"]))
    out.append('<us-parties>\n<us-applicants>\n<us-applicant sequence="001" app-type="applicant" designation="us-only">\n'
               "<addressbook>\n<orgname>%s</orgname>\n<address>\n<city>%s</city>\n<country>%s</country>\n</address>\n"
               "</addressbook>\n<residence>\n<country>%s</country>\n</residence>\n</us-applicant>\n</us-applicants>\n<inventors>"
               % (markup(d["applicant"]), city, country, country))
    for i, (first, last) in enumerate(inventors):
        out.append('<inventor sequence="%03d" designation="us-only">\n<addressbook>\n<last-name>%s</last-name>\n'
                   "<first-name>%s</first-name>\n<address>\n<city>%s</city>\n<country>%s</country>\n</address>\n"
                   "</addressbook>\n</inventor>" % (i + 1, last, first, city, country))
    out.append("</inventors>\n</us-parties>")
    out.append("<assignees>\n<assignee>\n<addressbook>\n<orgname>%s</orgname>\n<role>03</role>\n<address>\n"
               "<city>%s</city>\n<country>%s</country>\n</address>\n</addressbook>\n</assignee>\n</assignees>"
               % (markup(d["applicant"]), city, country))
    out.append("</us-bibliographic-data-grant>")
    out.append('<abstract id="abstract">\n<p id="p-0001" num="0000">%s</p>\n</abstract>' % markup(d["abstract"]))
    paras = d["description"].split("\n\n")
    n_sum = 3
    desc = ['<description id="description">', '<?BRFSUM description="Brief Summary" end="lead"?>',
            '<heading id="h-0001" level="1">BACKGROUND</heading>']
    pn = 1
    for i, p in enumerate(paras[:n_sum] + [extra_sentence]):
        desc.append('<p id="p-%04d" num="%04d">%s</p>' % (pn + 1, pn, markup(p)))
        pn += 1
    desc += ['<?BRFSUM description="Brief Summary" end="tail"?>',
             '<?DETDESC description="Detailed Description" end="lead"?>',
             '<heading id="h-0002" level="1">DETAILED DESCRIPTION</heading>']
    for p in paras[n_sum:]:
        desc.append('<p id="p-%04d" num="%04d">%s</p>' % (pn + 1, pn, markup(p)))
        pn += 1
    desc += ['<?DETDESC description="Detailed Description" end="tail"?>', "</description>"]
    out += desc
    out.append("<us-claim-statement>What is claimed is:</us-claim-statement>")
    out.append('<claims id="claims">')
    out += [claim_xml(i + 1, c) for i, c in enumerate(d["claims"])]
    out.append("</claims>\n</us-patent-grant>")
    return "\n".join(out) + "\n"


SEQ_LISTING = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE sequence-cwu SYSTEM "us-sequence-listing.dtd" [ ]>
<sequence-cwu id="SEQLST-0">
<publication-reference>
<document-id>
<country>US</country>
<doc-number>09200002</doc-number>
<kind>B2</kind>
<date>20160315</date>
</document-id>
</publication-reference>
<number-of-sequences>2</number-of-sequences>
<s-q-listing id="SEQLST-1" file="US09200002-20160315-S00001.XML" lang="EN" status="n">
<p id="p-s0001" num="0001">&lt;160&gt; NUMBER OF SEQ ID NOS: 2</p>
<p id="p-s0002" num="0002">&lt;210&gt; SEQ ID NO 1 &lt;211&gt; LENGTH: 14 &lt;212&gt; TYPE: PRT &lt;213&gt; ORGANISM: Artificial Sequence &lt;220&gt; FEATURE: &lt;223&gt; OTHER INFORMATION: invented antifouling peptide for the sample corpus</p>
<p id="p-s0003" num="0003">&lt;400&gt; SEQUENCE: 1 Gly Lys Glu Ser Lys Glu Gly Lys Glu Ser Lys Glu Cys Trp</p>
<p id="p-s0004" num="0004">&lt;210&gt; SEQ ID NO 2 &lt;211&gt; LENGTH: 24 &lt;212&gt; TYPE: DNA &lt;213&gt; ORGANISM: Artificial Sequence</p>
<p id="p-s0005" num="0005">&lt;400&gt; SEQUENCE: 2 atggcaaagg aatccaaaga gtga</p>
</s-q-listing>
</sequence-cwu>
"""


def write_xml(rng, docs):
    specs = [("membrane", "09200001", "13512347", "Lyon", "FR", [("Élodie", "Marchand"), ("Tomas", "Lindqvist")],
              "The feed contained dissolved salts in H2O at a concentration of about 2,000 mg/L, and permeate quality was "
              "checked by conductivity & total organic carbon measurements."),
             ("heat_pump", "09200002", "13874410", "Stuttgart", "DE", [("Jonas", "Keller")],
              "Where CO2 is used as the refrigerant, the compressor operates above the critical point & the gas cooler "
              "replaces the condenser."),
             ("wind_deice", "09200003", "14027753", "Aarhus", "DK", [("Freja", "Holm"), ("Mikkel", "Sørensen")],
              "The heating mats were tested in a climate chamber at -10 °C with a thermal transmittance of the blade "
              "shell of about 8 W/m2K & a wind speed of 12 m/s.")]
    apps = {"membrane": "Compagnie Aquaréa des Membranes SA", "heat_pump": "Müller Präzisionstechnik GmbH",
            "wind_deice": "Øresund Vindteknik ApS"}
    parts = []
    for key, docnum, appnum, city, country, inv, extra in specs:
        d = make_doc(rng, AREA[key], kind="B2", n_claims=rng.randint(6, 12), n_indep=2,)
        d["applicant"] = apps[key]
        d["filing_date"] = D(2012, 3, 14) + dt.timedelta(days=rng.randint(0, 500))
        d["priority_date"] = d["filing_date"] - dt.timedelta(days=rng.randint(60, 360))
        d["publication_date"] = D(2016, 3, 15)
        prior = [e for e in docs if e["kind"] in ("B2", "A1") and e["id"].startswith("US")
                 and e["publication_date"] < d["filing_date"]]
        same = [e for e in prior if e["_area"] == key] or prior
        d["citations"] = sorted({e["id"] for e in rng.sample(same, min(3, len(same)))})
        parts.append(grant_xml(d, docnum, appnum, city, country, extra, inv))
    os.makedirs(os.path.join(HERE, "xml"), exist_ok=True)
    with open(os.path.join(HERE, "xml", "sample-grants.xml"), "w", encoding="utf-8") as f:
        f.write(parts[0] + parts[1] + SEQ_LISTING + parts[2])


# --------------------------------------------------------------------------- checks
def check(docs, pending):
    ids = set()
    for d in docs:
        o = public(d)
        assert o["id"] not in ids
        ids.add(o["id"])
        for c in o["citations"]:
            assert c in ids, (o["id"], c)  # only earlier lines of the file
        assert o["priority_date"] <= o["filing_date"] < o["publication_date"], o["id"]
        assert "1998-01-01" <= o["priority_date"] and o["publication_date"] <= "2024-12-31"
        if not o["id"].startswith(("CN", "JP")):
            assert 4 <= nwords(o["title"]) <= 15, o["title"]
            assert 60 <= nwords(o["abstract"]) <= 180, o["id"]
        assert 3 <= len(o["claims"]) <= 20, (o["id"], len(o["claims"]))
        ind = sum(1 for c in o["claims"] if not re.search(r"\bclaims? \d", c))
        assert 1 <= ind <= 3, (o["id"], ind)
        assert 150 <= nwords(o["description"]) <= 600, o["id"]
    for d in pending:
        assert d["filing_date"].year in (2025, 2026) and d["priority_date"] <= d["filing_date"]


def main():
    rng, docs, pairs = build()
    pending, ppairs = build_pending(rng, docs)
    check(docs, pending)
    write_jsonl(os.path.join(HERE, "patents.jsonl"), docs)
    write_jsonl(os.path.join(HERE, "pending.jsonl"), pending, pending=True)
    with open(os.path.join(HERE, "near-duplicates.tsv"), "w", encoding="utf-8") as f:
        f.write("id_a\tid_b\trelation\tnote\n")
        for child, parent, mode, note in sorted(pairs, key=lambda p: p[0]["id"]):
            f.write("%s\t%s\t%s\t%s of %s; %s\n" % (child["id"], parent["id"], mode, mode, parent["id"], note))
        for a, b, rel, note in ppairs:
            f.write("%s\t%s\t%s\t%s\n" % (a, b, rel, note))
    write_txt(rng)
    write_xml(rng, docs)
    ent = {}
    for d in docs:
        ent[d["entity"]] = ent.get(d["entity"], 0) + 1
    print("patents.jsonl: %d documents, entities %s; pending.jsonl: %d; pairs: %d"
          % (len(docs), ent, len(pending), len(pairs) + len(ppairs)))


if __name__ == "__main__":
    main()
