"""The kinds of service the demo county holds, each with its rules of who may come.

Care (shelters, treatment, crisis) is in ``kinds_care``; community services are here.
"""

from __future__ import annotations

from demo.kinds_care import CARE
from demo.recipe import Kind, Variant

__all__ = ["KINDS", "VARIANT_TYPES", "Kind", "Variant"]

COMMUNITY: tuple[Kind, ...] = (
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

KINDS: tuple[Kind, ...] = CARE + COMMUNITY

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
