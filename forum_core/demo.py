"""A demo forum: a Georgian municipality with ten groups and ~120 fictional participants.

Names are common Georgian first names and surnames combined at random (seeded,
so the demo is the same every time); phone numbers are drawn from the 555 00x
range and belong to nobody known. Used for training, demos and tests.
"""

from __future__ import annotations

import random
from datetime import date, time
from decimal import Decimal

from forum_core import forum as forum_mod
from forum_core import georgian
from forum_core import participants as people
from forum_core.db import Actor, Database, Unit
from forum_core.validation import Outcome

FIRST_NAMES_F = [
    "ნინო",
    "მარიამ",
    "თამარ",
    "ანა",
    "ეკატერინე",
    "ნათია",
    "ქეთევან",
    "მაკა",
    "ლიკა",
    "სალომე",
    "ნანა",
    "ლალი",
    "ხათუნა",
    "მზია",
    "ეთერ",
    "ია",
    "თეონა",
    "ნესტან",
    "მანანა",
    "ელენე",
]
FIRST_NAMES_M = [
    "გიორგი",
    "დავით",
    "ლევან",
    "ნიკოლოზ",
    "ალექსანდრე",
    "ირაკლი",
    "ზურაბ",
    "გოჩა",
    "თემურ",
    "ბექა",
    "ლაშა",
    "მამუკა",
    "ვახტანგ",
    "შოთა",
    "რევაზ",
    "ზვიად",
    "ოთარ",
    "ლუკა",
    "საბა",
    "ჯემალ",
]
LAST_NAMES = [
    "ბერიძე",
    "კაპანაძე",
    "გელაშვილი",
    "მაისურაძე",
    "ლომიძე",
    "ჯავახიშვილი",
    "ხუციშვილი",
    "ნოზაძე",
    "წიკლაური",
    "ქავთარაძე",
    "ჩიქოვანი",
    "ღლონტი",
    "შენგელია",
    "ძნელაძე",
    "ცინცაძე",
    "ფანცხავა",
    "ჟორჟოლიანი",
    "ყიფიანი",
    "ჭავჭავაძე",
    "მჭედლიშვილი",
    "ხარაიშვილი",
    "ბაღაშვილი",
    "ზედგინიძე",
    "თოდუა",
    "კვარაცხელია",
    "გოგოლაძე",
    "მესხი",
    "სურმავა",
    "ქობულაშვილი",
    "აბაშიძე",
]
COMMUNITIES = [
    "თელავი",
    "ქისისხევი",
    "კურდღელაური",
    "ნაფარეული",
    "წინანდალი",
    "ვარდისუბანი",
    "იყალთო",
    "შალაური",
    "კონდოლი",
    "ფშაველი",
]
NEEDS = ["ეტლით მოსარგებლე", "სმენის აპარატი", "ცუდად ხედავს – დიდი შრიფტი", "ბავშვთან ერთად მოვა"]

# (group name, field, budget programs: (code, name, amount GEL, one line))
GROUPS = [
    (
        "სოციალური დაცვა",
        "სოციალური დაცვა",
        [
            ("06 01 01", "სოციალურად დაუცველი ოჯახების დახმარება", 850000, "ერთჯერადი და ყოველთვიური დახმარება"),
            ("06 01 03", "შშმ პირების მხარდაჭერა", 240000, "დამხმარე საშუალებები და ტრანსპორტი"),
            ("06 01 05", "უფასო სასადილო", 310000, "ყოველდღიური კვება 400 ბენეფიციარისთვის"),
        ],
    ),
    (
        "ინფრასტრუქტურა",
        "ინფრასტრუქტურა",
        [
            ("02 01 01", "გზების მოვლა-შენახვა", 2400000, "სოფლის გზების შეკეთება და მოასფალტება"),
            ("02 02 01", "გარე განათება", 380000, "ქუჩების განათების ქსელის მოვლა"),
            ("02 03 02", "წყალმომარაგების რეაბილიტაცია", 960000, "სასმელი წყლის სისტემები სოფლებში"),
        ],
    ),
    (
        "ახალგაზრდობა",
        "ახალგაზრდობა",
        [
            ("05 03 01", "ახალგაზრდული ინიციატივების ხელშეწყობა", 120000, "მცირე გრანტები ახალგაზრდულ პროექტებს"),
            ("05 01 02", "სპორტული სკოლები", 450000, "სპორტული წრეები და შეჯიბრებები"),
        ],
    ),
    (
        "განათლება",
        "განათლება",
        [
            ("04 01 01", "საბავშვო ბაღები", 3100000, "მუნიციპალური ბაღების გაერთიანება"),
            ("04 02 01", "სკოლის მოსწავლეთა ტრანსპორტირება", 210000, "შორეული სოფლების მოსწავლეები"),
        ],
    ),
    (
        "ჯანდაცვა",
        "ჯანდაცვა",
        [
            ("06 02 01", "მედიკამენტების თანადაფინანსება", 290000, "ქრონიკული დაავადებების მქონე პირები"),
            ("06 02 03", "სასწრაფო დახმარების ხელშეწყობა", 150000, "სატრანსპორტო ხარჯები"),
        ],
    ),
    (
        "კულტურა",
        "კულტურა",
        [
            ("05 02 01", "კულტურის ცენტრები", 520000, "ხალხური ანსამბლები და წრეები"),
            ("05 02 04", "ბიბლიოთეკები", 180000, "ცენტრალური და სოფლის ბიბლიოთეკები"),
        ],
    ),
    (
        "სოფლის მეურნეობა",
        "სოფლის მეურნეობა",
        [
            ("03 01 01", "სარწყავი არხების მოვლა", 330000, "მელიორაციის სისტემების წმენდა"),
            ("03 01 02", "ფერმერთა კონსულტაციები", 60000, "აგრონომის უფასო კონსულტაცია"),
        ],
    ),
    (
        "გარემოს დაცვა",
        "გარემოს დაცვა",
        [
            ("02 05 01", "დასუფთავება და ნარჩენების გატანა", 1200000, "ნარჩენების გატანა სოფლებიდან"),
            ("02 05 03", "გამწვანება", 140000, "პარკები და სკვერები"),
        ],
    ),
    (
        "ეკონომიკა და ტურიზმი",
        "ეკონომიკა და ტურიზმი",
        [
            ("07 01 01", "ტურიზმის განვითარება", 200000, "ღვინის ფესტივალი და ტურისტული ნიშნები"),
            ("07 01 02", "მცირე ბიზნესის ხელშეწყობა", 90000, "ტრენინგები და გამოფენები"),
        ],
    ),
    (
        "საჯარო სერვისები და ჩართულობა",
        "საჯარო სერვისები",
        [
            ("01 02 01", "სერვისცენტრები სოფლებში", 110000, "ადმინისტრაციული ერთეულების მომსახურება"),
            ("01 02 02", "მოქალაქეთა ჩართულობა", 40000, "საჯარო შეხვედრები და ფორუმები"),
        ],
    ),
]

DEMO_SETTINGS = {
    "title": "თელავის მოსახლეობის ფორუმი 2027",
    "municipality": "თელავის მუნიციპალიტეტი",
    "goals": (
        "მოსახლეობის ჩართვა 2028 წლის ადგილობრივი ბიუჯეტის დაგეგმვაში: "
        "სფეროების მიხედვით პრიორიტეტული პრობლემების და მათი გადაჭრის ინიციატივების განსაზღვრა."
    ),
    "forum_date": date(2027, 5, 28),
    "venue": "თელავის მუნიციპალიტეტის საკრებულოს სააქტო დარბაზი, ერეკლე II-ის გამზ. 16",
    "start_time": time(11, 0),
    "duration_min": 240,
    "pebbles_per_participant": 3,
    "priorities_per_group": 5,
}
DEMO_PHASES = [
    {"name": "გახსნა და რეგისტრაცია", "minutes": 30},
    {"name": "ჯგუფური მუშაობა", "minutes": 180},
    {"name": "პრეზენტაციები", "minutes": 70},
]


def _person_name(rng: random.Random) -> tuple[str, str, str]:
    gender = rng.choice("fm")
    first = rng.choice(FIRST_NAMES_F if gender == "f" else FIRST_NAMES_M)
    return first, rng.choice(LAST_NAMES), gender


def load_demo(db: Database, actor: Actor, participants_per_group: int = 12, seed: int = 2027) -> Outcome:
    """Create the demo forum and make it the current one."""
    rng = random.Random(seed)
    drafts = []
    for number, (name, field, _) in enumerate(GROUPS, start=1):
        facilitator = " ".join(_person_name(rng)[:2])
        expert = " ".join(_person_name(rng)[:2])
        drafts.append(
            forum_mod.GroupDraft(
                number=number, name=name, field=field, room=str(200 + number), facilitator=facilitator, expert=expert
            )
        )
    created = forum_mod.create_forum(db, actor, DEMO_SETTINGS, DEMO_PHASES, drafts)
    if not created.ok:
        return created
    forum_id = created.value

    def work(unit: Unit) -> int:
        group_ids = {
            r[1]: r[0]
            for r in unit.execute("SELECT id, number FROM working_group WHERE forum_id = ?", [forum_id]).fetchall()
        }
        used_phones: set[str] = set()
        count = 0
        for number, (_, field, programs) in enumerate(GROUPS, start=1):
            for code, name, amount, line in programs:
                unit.write(
                    "budget_program",
                    "INSERT INTO budget_program (forum_id, field, program_code, name, amount, year, "
                    "description) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [forum_id, field, code, name, Decimal(amount), 2027, line],
                )
            size = participants_per_group - (number % 3 == 0)  # a few groups are one short
            for _ in range(size):
                first, last, gender = _person_name(rng)
                phone = None
                while phone is None or phone in used_phones:
                    phone = georgian.normalize_phone(f"55500{rng.randint(0, 9999):04d}")
                used_phones.add(phone)
                person = people.Person(
                    first,
                    last,
                    phone,
                    group_ids[number],
                    gender,
                    rng.randint(1948, 2008),
                    rng.choice(COMMUNITIES),
                    "",
                    rng.choice(NEEDS) if rng.random() < 0.06 else "",
                )
                people.insert(unit, forum_id, person, "import")
                count += 1
        return count

    db.write(actor, "demo.load", work)
    return Outcome(True, "created", value=forum_id)


# Problems a demo group raises, per field position (the first five of each list win the vote).
DEMO_PROBLEMS = [
    "სოფლის გზები დაზიანებულია",
    "სასმელი წყალი გრაფიკით მოდის",
    "ქუჩები არ არის განათებული",
    "ნაგავი იშვიათად გააქვთ",
    "საბავშვო ბაღში ადგილები არ არის",
    "ახალგაზრდებს არ აქვთ სივრცე",
    "ავტობუსი სოფელში არ შემოდის",
    "პენსიები დაბალია",
]


COMPETENCE_NOTE = "პენსიებს სახელმწიფო ბიუჯეტი აფინანსებს: გადაეგზავნოს სოციალური მომსახურების სააგენტოს"


def simulate_group_work(
    db: Database,
    actor: Actor,
    forum_id: int,
    group_numbers: list[int] | None = None,
    present: int = 10,
    seed: int = 2027,
) -> int:
    """Play a group session in each chosen group (all by default): members present,
    strengths and weaknesses, eight problems, a pebble vote without ties, finalised
    priorities, complete initiatives and a presenter. For demos, tests and benchmarks.
    Returns the number of groups finalised."""
    from forum_core import deliberation as dl

    forum = forum_mod.get_forum(db.cursor(), forum_id)
    done = 0
    for group in forum_mod.groups(db.cursor(), forum_id):
        if group_numbers is not None and group["number"] not in group_numbers:
            continue
        # one random sequence per group: a group plays the same whether it is simulated alone or
        # with others (a forum simulated in two calls equals one simulated in one)
        rng = random.Random(f"{seed}:{group['number']}")
        members = dl.members(db.cursor(), forum_id, group["id"])
        for m in members[:present]:
            dl.mark_present(db, actor, forum_id, group["id"], m["id"])
        dl.add_item(db, actor, group["id"], "strength", "აქტიური მოსახლეობა")
        dl.add_item(db, actor, group["id"], "weakness", "შეზღუდული ბიუჯეტი")
        ids = [dl.add_problem(db, actor, group["id"], f"{title} ({group['field']})").value for title in DEMO_PROBLEMS]
        # pensions are paid from the state budget: the expert flags it for the responsible body
        dl.flag_competence(db, Actor("expert", actor.device, group["id"]), ids[-1], True, COMPETENCE_NOTE)
        capacity = min(present, len(members)) * forum["pebbles_per_participant"]
        # distinct counts, highest first, summing to at most the pebbles in the room
        counts = sorted(rng.sample(range(1, max(capacity // 3, len(ids) + 1)), len(ids)), reverse=True)
        for problem_id, pebbles in zip(ids, counts):
            dl.set_pebbles(db, actor, problem_id, pebbles)
        top = dl.finalise(db, actor, forum, group["id"])
        if not top.ok:
            continue
        done += 1
        programs = forum_mod.budget_programs(db.cursor(), forum_id, field=group["field"])
        for n, ranked in enumerate(top.value):
            values = {
                "kind": dl.INITIATIVE_KINDS[n % 4],
                "title": ranked.title,  # the screens and documents write "Initiative:" before it
                "goal": f"2028 წლის ბოლომდე {20 + 10 * n} ოჯახს მოემსახუროს",
                "actions": "მოსამზადებელი სამუშაოები",
                "beneficiaries_count": 50 * (n + 1),
                "beneficiaries_age": "18-65",
                "beneficiaries_specifics": "სოფლის მაცხოვრებლები",
                "resources_needed": "ბიუჯეტი და ტექნიკა",
                "large_scale": "yes",
                "sufficient": "partly",
                "cost_gel": 10000 * (n + 1),
                "program_id": programs[0]["id"] if programs else None,
            }
            dl.save_initiative(db, actor, group["id"], ranked.problem_id, values)
        here = [m for m in dl.members(db.cursor(), forum_id, group["id"]) if m["present"]]
        if here:
            dl.set_presenter(db, actor, forum_id, group["id"], here[0]["id"])
    return done
