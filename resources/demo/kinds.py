"""The kinds of service the demo county holds, each with its rules of who may come.

A kind is a recipe: how many services, their names, the Open Eligibility codes that file
them (``types``), the situations that restrict (``eligibility``) or that they serve
especially (``audience``), ages, hours patterns and whether beds are counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Variant:
    """One flavour of a kind (the men's shelter vs the women's shelter)."""

    name: str  # "{place}" is replaced by the organization's place word
    description: str
    eligibility: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    who: str | None = None  # eligibility_description


@dataclass(frozen=True)
class Kind:
    key: str
    count: int
    org_names: tuple[str, ...]
    types: tuple[str, ...]
    variants: tuple[Variant, ...]
    hours: tuple[str, ...]  # keys of generate.HOURS
    beds: tuple[int, int] | None = None  # range of maximum beds; None: not tracked
    docs: tuple[str, ...] = ()
    cost: str = "free"  # free | sliding | insurance
    application: str = "Walk in during open hours."
    pets: bool = False
    wait: str | None = None
    extra_langs: float = 1.0
    areas: tuple[str, ...] = field(default=())


SHELTER_APP = "Call or come to the front desk by 19:00 for a bed; intake takes about 30 minutes."

KINDS: tuple[Kind, ...] = (
    Kind(
        "adult_shelter",
        24,
        ("{place} Mission", "{place} House", "{place} Shelter Network"),
        ("1121", "1135"),
        (
            Variant(
                "{place} Men's Overnight Shelter",
                "Emergency overnight beds, showers and a hot evening meal for single men.",
                ("20037", "20003"),
                ("20058",),
                18,
                None,
                "Men 18 and older who have nowhere safe to sleep tonight.",
            ),
            Variant(
                "{place} Women's Shelter",
                "Emergency beds for single women with case management toward housing.",
                ("20036", "20003"),
                ("20058",),
                18,
                None,
                "Women 18 and older. Transgender women are welcome.",
            ),
            Variant(
                "{place} Adult Emergency Shelter",
                "Low-barrier emergency shelter for single adults; storage lockers and mail service.",
                ("20003",),
                ("20058", "20053"),
                18,
                None,
                "Single adults 18 and older.",
            ),
        ),
        ("overnight", "overnight", "h24"),
        beds=(20, 120),
        docs=("Photo ID (or help getting one)",),
        application=SHELTER_APP,
        pets=True,
    ),
    Kind(
        "family_shelter",
        12,
        ("{place} Family Center", "{place} Family Promise"),
        ("1121", "1135", "1152"),
        (
            Variant(
                "{place} Family Shelter",
                "Private rooms for families with children, meals, school transport and housing search help.",
                ("20054",),
                ("20058", "20076"),
                None,
                None,
                "Families with at least one child under 18 or a pregnant member.",
            ),
        ),
        ("h24",),
        beds=(10, 40),
        docs=("Photo ID for adults", "Birth certificates for children"),
        application="Call the family shelter line; placement is by phone screening.",
    ),
    Kind(
        "youth_shelter",
        10,
        ("{place} Youth Services", "{place} Youth Haven"),
        ("1121", "1135", "1152"),
        (
            Variant(
                "{place} Teen Crisis Shelter",
                "Short-term shelter for runaway and homeless teens with family mediation.",
                ("20004",),
                ("20060", "20058", "20040"),
                12,
                17,
                "Young people aged 12 to 17.",
            ),
            Variant(
                "{place} Young Adult Shelter",
                "Emergency beds and life-skills coaching for young adults, LGBTQ affirming.",
                (),
                ("20058", "20078", "20040"),
                18,
                24,
                "Young adults aged 18 to 24.",
            ),
        ),
        ("h24", "overnight"),
        beds=(8, 24),
        application="Walk in or call any time, day or night.",
    ),
    Kind(
        "dv_shelter",
        8,
        ("{place} Safe Harbor", "{place} Center for Safety"),
        ("1123", "1124", "1125", "1121"),
        (
            Variant(
                "{place} Domestic Violence Shelter",
                "Confidential shelter for survivors of "
                "domestic violence and their children; advocacy and safety planning.",
                ("20083",),
                ("20036", "20054", "20084"),
                None,
                None,
                "Survivors of domestic violence and their children. The address is confidential;"
                " call the hotline first.",
            ),
        ),
        ("h24",),
        beds=(12, 36),
        application="Call the 24-hour hotline; an advocate will arrange intake.",
        pets=True,
    ),
    Kind(
        "detox",
        10,
        ("{place} Recovery Center", "{place} Behavioral Health"),
        ("1178", "1180"),
        (
            Variant(
                "{place} Withdrawal Management",
                "Medically monitored withdrawal from alcohol and opioids, with a bridge to treatment.",
                ("20003",),
                ("20050",),
                18,
                None,
                "Adults 18 and older in withdrawal from alcohol, opioids or other drugs.",
            ),
        ),
        ("h24",),
        beds=(8, 32),
        docs=("Photo ID", "Insurance card if insured"),
        cost="insurance",
        application="Walk in any time or call ahead; a nurse screens every arrival.",
    ),
    Kind(
        "residential_sud",
        16,
        ("{place} Recovery Center", "{place} Treatment Services"),
        ("1178", "1182"),
        (
            Variant(
                "{place} Residential Treatment for Men",
                "28- to 90-day residential treatment for substance use.",
                ("20037", "20003"),
                ("20050",),
                18,
                None,
                "Men 18 and older.",
            ),
            Variant(
                "{place} Residential Treatment for Women",
                "Residential treatment for women; pregnant women are admitted first.",
                ("20036", "20003"),
                ("20050", "20043"),
                18,
                None,
                "Women 18 and older; children under 5 may stay with their mother.",
            ),
            Variant(
                "{place} Veterans Recovery Residence",
                "Residential treatment for veterans with substance use and trauma.",
                ("20010",),
                ("20050",),
                18,
                None,
                "Veterans of any discharge status.",
            ),
        ),
        ("h24",),
        beds=(12, 48),
        docs=("Photo ID", "Insurance card"),
        cost="insurance",
        application="Call for an assessment appointment; referrals from detox are accepted daily.",
        wait="Usually 3 to 10 days",
    ),
    Kind(
        "outpatient_sud",
        30,
        ("{place} Recovery Center", "{place} Counseling", "{place} Clinic"),
        ("1178", "1181"),
        (
            Variant(
                "{place} Outpatient Recovery Program",
                "Group and individual counseling, medication for opioid use disorder.",
                (),
                ("20050",),
                16,
                None,
            ),
            Variant(
                "{place} Intensive Outpatient Program",
                "Three evenings a week of structured treatment while you keep working.",
                ("20003",),
                ("20050",),
                18,
                None,
                "Adults 18 and older.",
            ),
            Variant(
                "{place} Teen Recovery Program",
                "Outpatient treatment for teens with family sessions.",
                ("20004",),
                ("20050",),
                13,
                18,
                "Teens 13 to 18 with a parent or guardian.",
            ),
        ),
        ("business", "lunch", "evening"),
        docs=("Insurance card if insured",),
        cost="insurance",
        application="Call for an assessment; same-day assessments most weekdays.",
        wait="Same week",
    ),
    Kind(
        "crisis",
        16,
        ("{place} Behavioral Health", "{place} Crisis Services"),
        ("1101", "1126"),
        (
            Variant(
                "{place} Crisis Line",
                "Free, confidential support by phone and text for anyone "
                "in emotional distress or thinking about suicide.",
                (),
                ("20088", "20025"),
            ),
            Variant(
                "{place} Crisis Stabilization Unit",
                "Short stays of up to 5 days for adults in a mental-health crisis.",
                ("20003",),
                ("20088", "20025"),
                18,
                None,
                "Adults 18 and older in a mental-health crisis.",
            ),
            Variant(
                "{place} Mobile Crisis Team", "Counselors who come to you in Harbor County.", (), ("20088",)
            ),
        ),
        ("h24",),
        cost="free",
        application="Call any time; no appointment, no referral.",
    ),
    Kind(
        "counseling",
        14,
        ("{place} Counseling", "{place} Behavioral Health"),
        ("1303", "1304"),
        (
            Variant(
                "{place} Community Counseling",
                "Individual and family counseling on a sliding scale.",
                (),
                ("20025", "20063"),
            ),
            Variant(
                "{place} Refugee Wellness Program",
                "Counseling in Somali, Nepali and Arabic for refugee families.",
                (),
                ("20013", "20012", "20067"),
            ),
        ),
        ("business", "lunch", "evening"),
        cost="sliding",
        application="Call to book a first appointment.",
        wait="1 to 3 weeks",
        extra_langs=2.0,
    ),
    Kind(
        "pantry",
        50,
        ("{place} Food Pantry", "{place} Church", "{place} Community Center"),
        ("1102", "1130", "1128"),
        (
            Variant(
                "{place} Food Pantry",
                "Groceries once a month, fresh produce weekly.",
                (),
                ("20063",),
                None,
                None,
                "Harbor County residents; one visit a month per household.",
            ),
            Variant(
                "{place} Choice Pantry", "Shop-style pantry: choose your own food.", (), ("20063", "20054")
            ),
            Variant(
                "{place} Senior Grocery Program",
                "Monthly grocery box for older adults.",
                ("20006",),
                ("20063",),
                60,
                None,
                "Adults 60 and older.",
            ),
        ),
        ("pantry", "pantry2", "lunch"),
        docs=("Photo ID", "Proof of Harbor County address"),
        application="Walk in during pantry hours; first visit takes 10 minutes to register.",
    ),
    Kind(
        "meals",
        30,
        ("{place} Kitchen", "{place} Church", "{place} Mission"),
        ("1102", "1131"),
        (
            Variant("{place} Community Meals", "Free hot meals, no questions asked.", (), ("20001",)),
            Variant(
                "{place} Senior Lunch",
                "Weekday lunch and company for older adults.",
                ("20006",),
                (),
                60,
                None,
                "Adults 60 and older and their spouses.",
            ),
        ),
        ("meals", "meals_weekday"),
        application="Just come in.",
    ),
    Kind(
        "housing",
        36,
        ("{place} Housing Alliance", "{place} Community Action", "{place} Homes"),
        ("1103", "1136", "1137", "1142"),
        (
            Variant(
                "{place} Rent Help",
                "One-time help with back rent to prevent eviction.",
                (),
                ("20059", "20057", "20063"),
                18,
                None,
                "Harbor County renters with an eviction "
                "notice or past-due rent, income below 200% of poverty.",
            ),
            Variant(
                "{place} Housing Search",
                "Help finding an apartment and landlord mediation.",
                (),
                ("20058", "20059"),
            ),
            Variant(
                "{place} Veterans Housing Program",
                "Rapid rehousing and rental assistance for veterans and their families.",
                ("20010",),
                ("20058", "20054"),
                18,
                None,
                "Veterans and their families; DD-214 or VA letter needed.",
            ),
            Variant(
                "{place} Recovery Housing",
                "Sober living homes with peer support.",
                ("20003",),
                ("20050",),
                18,
                None,
                "Adults in recovery, 30 days sober.",
            ),
        ),
        ("business", "lunch"),
        docs=("Photo ID", "Lease or eviction notice", "Proof of income"),
        application="Call for a screening; bring your documents to the appointment.",
        wait="2 to 4 weeks",
    ),
    Kind(
        "legal",
        26,
        ("{place} Legal Aid", "{place} Justice Center", "{place} Law Project"),
        ("1111", "1375", "1389"),
        (
            Variant(
                "{place} Tenant Legal Help",
                "Free lawyers for tenants facing eviction.",
                (),
                ("20057", "20063"),
                18,
                None,
                "Low-income Harbor County renters.",
            ),
            Variant(
                "{place} Immigration Legal Services",
                "Help with asylum, green cards and citizenship.",
                (),
                ("20012", "20013", "20067"),
            ),
            Variant(
                "{place} Record Sealing Clinic",
                "Help sealing or expunging criminal records.",
                ("20016",),
                (),
                18,
                None,
                "Adults with an Ohio criminal record.",
            ),
            Variant(
                "{place} Protection Order Advocacy",
                "Advocates help survivors file for protection orders.",
                (),
                ("20083",),
            ),
        ),
        ("business", "lunch", "evening"),
        cost="free",
        docs=("Photo ID", "Court papers if any"),
        application="Call the intake line; urgent eviction cases are seen the same day.",
        extra_langs=1.5,
    ),
    Kind(
        "family",
        34,
        ("{place} Family Services", "{place} Children's Center", "{place} Family Center"),
        ("1108", "1303"),
        (
            Variant(
                "{place} Parenting Classes",
                "Free classes and groups for parents of young children.",
                (),
                ("20076", "20054"),
            ),
            Variant(
                "{place} Childcare Referral", "Help finding and paying for childcare.", (), ("20054", "20063")
            ),
            Variant(
                "{place} Home Visiting for New Mothers",
                "Nurses visit pregnant women and new mothers at home.",
                (),
                ("20043", "20075"),
            ),
            Variant(
                "{place} Family Resource Center",
                "Diapers, school supplies, benefits help and family counseling.",
                (),
                ("20054",),
            ),
        ),
        ("business", "lunch", "evening"),
        cost="free",
        application="Call or walk in.",
    ),
)

# Open Eligibility codes added to a kind's variant by name (service-type terms).
VARIANT_TYPES: dict[str, tuple[str, ...]] = {
    "Parenting Classes": ("1315",),
    "Childcare Referral": ("1281",),
    "Home Visiting for New Mothers": ("1306",),
    "Immigration Legal Services": ("1381",),
    "Protection Order Advocacy": ("1124",),
    "Crisis Line": ("1305",),
    "Recovery Housing": ("1154",),
    "Community Meals": ("1128",),
}
