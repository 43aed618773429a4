"""Fixed tables for the demo county: real places and taxonomy codes, invented names.

ZIP centroids are public facts (Franklin County, Ohio) so offline geocoding, distances and
service areas behave as they would on a real directory; every street, organization and
person name is made up. Phone numbers use the 555-01xx block reserved for fiction.
"""

from __future__ import annotations

COUNTY = "Harbor County"
STATE = "OH"

# (ZIP, city, latitude, longitude): centroids of real Franklin County ZIP codes.
ZIPS: tuple[tuple[str, str, float, float], ...] = (
    ("43201", "Columbus", 39.9952, -83.0047),
    ("43202", "Columbus", 40.0201, -83.0118),
    ("43203", "Columbus", 39.9719, -82.9691),
    ("43204", "Columbus", 39.9523, -83.0780),
    ("43205", "Columbus", 39.9569, -82.9644),
    ("43206", "Columbus", 39.9426, -82.9748),
    ("43207", "Columbus", 39.9046, -82.9703),
    ("43209", "Columbus", 39.9539, -82.9301),
    ("43211", "Columbus", 40.0118, -82.9732),
    ("43212", "Columbus", 39.9874, -83.0456),
    ("43213", "Columbus", 39.9727, -82.8329),
    ("43214", "Columbus", 40.0535, -83.0187),
    ("43215", "Columbus", 39.9671, -83.0044),
    ("43219", "Columbus", 40.0326, -82.9103),
    ("43220", "Columbus", 40.0495, -83.0669),
    ("43221", "Columbus", 40.0226, -83.0776),
    ("43222", "Columbus", 39.9576, -83.0311),
    ("43223", "Columbus", 39.9388, -83.0463),
    ("43224", "Columbus", 40.0425, -82.9689),
    ("43227", "Columbus", 39.9444, -82.8903),
    ("43228", "Columbus", 39.9648, -83.1260),
    ("43229", "Columbus", 40.0839, -82.9726),
    ("43230", "Columbus", 40.0347, -82.8726),
    ("43231", "Columbus", 40.0810, -82.9383),
    ("43232", "Columbus", 39.9230, -82.8664),
    ("43235", "Columbus", 40.1088, -82.9742),
    ("43081", "Westerville", 40.1146, -82.9105),
    ("43123", "Grove City", 39.8814, -83.0839),
    ("43026", "Hilliard", 40.0322, -83.1383),
    ("43068", "Reynoldsburg", 39.9551, -82.8035),
)

# Downtown and the near east/south sides hold most shelters, as in most cities.
CENTRAL_ZIPS = ("43215", "43203", "43205", "43206", "43222", "43201", "43211", "43207", "43223")

# County outline and two halves, as [lon, lat] rings (GeoJSON order), for service areas.
COUNTY_RING = [[-83.25, 39.80], [-82.77, 39.80], [-82.77, 40.16], [-83.25, 40.16], [-83.25, 39.80]]
AREAS: dict[str, list[list[float]]] = {
    "North Harbor (north of Fifth Avenue)": [
        [-83.25, 39.99], [-82.77, 39.99], [-82.77, 40.16], [-83.25, 40.16], [-83.25, 39.99]
    ],
    "South Harbor (south of Broad Street)": [
        [-83.25, 39.80], [-82.77, 39.80], [-82.77, 39.96], [-83.25, 39.96], [-83.25, 39.80]
    ],
    "East Harbor (east of Alum Creek)": [
        [-82.95, 39.80], [-82.77, 39.80], [-82.77, 40.16], [-82.95, 40.16], [-82.95, 39.80]
    ],
}  # fmt: skip

STREETS = (
    "Alder", "Ashgrove", "Bellwether", "Birchwood", "Bramble", "Brightwater", "Calder", "Canterbury",
    "Cedar Hollow", "Clearbrook", "Copperfield", "Cottonwood", "Dunmore", "Elderberry", "Fairhaven",
    "Fernleaf", "Foxglove", "Galeston", "Glenmere", "Hartwell", "Hawthorn", "Heron", "Hollyhock",
    "Ironbridge", "Juniper", "Kestrel", "Lanternfield", "Larkspur", "Linden", "Maplecrest",
    "Marlowe", "Meadowlark", "Millrace", "Netherby", "Oakhaven", "Orchard Hill", "Pennywhistle",
    "Quarry", "Ravenna", "Redbud", "Riverstone", "Rookwood", "Saltmarsh", "Sandpiper", "Silverbell",
    "Sparrowhawk", "Stonebridge", "Sycamore Bend", "Thistle", "Tidewater", "Underhill", "Wexcombe",
    "Willowmere", "Windlass", "Wrenfield", "Yarrow",
)  # fmt: skip
SUFFIXES = ("Street", "Avenue", "Road", "Boulevard", "Drive", "Lane", "Way", "Parkway")

PLACES = (
    "Harbor", "Lantern", "Bridgeway", "Northgate", "Eastmoor", "Riverside", "Cedar", "Beacon",
    "Tideline", "Keel", "Anchor", "Compass", "Lighthouse", "Driftwood", "Safe Haven", "Mariner",
    "Crossroads", "Hearthstone", "Open Door", "New Leaf", "Wayfinder", "Kindred", "Commons",
    "Stillwater", "Pathway", "Shoreline", "Wharf Street", "Gull Point", "Baywind", "Sailcloth",
)  # fmt: skip

FIRST_NAMES = (
    "Amara", "Ben", "Carmen", "Deka", "Eli", "Farhan", "Grace", "Hodan", "Ivan", "Jaya",
    "Kofi", "Lena", "Manuel", "Nasra", "Owen", "Priya", "Quinn", "Rosa", "Sagar", "Tess",
)  # fmt: skip
LAST_NAMES = (
    "Abdi", "Brennan", "Castillo", "Dahal", "Ekwueme", "Fairbank", "Gurung", "Halloran",
    "Ibarra", "Jama", "Kowal", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Pradhan",
)  # fmt: skip

# ISO 639-1 code, English name, share of services offering it besides English.
LANGUAGES: tuple[tuple[str, str, float], ...] = (
    ("es", "Spanish", 0.40),
    ("so", "Somali", 0.18),
    ("ne", "Nepali", 0.10),
    ("ar", "Arabic", 0.08),
    ("fr", "French", 0.05),
    ("am", "Amharic", 0.04),
    ("sw", "Swahili", 0.03),
)

# Open Eligibility v2.0: (code, name, parent code). Services facet, then human situations.
OE_TERMS: tuple[tuple[str, str, str | None], ...] = (
    ("1101", "Emergency", None),
    ("1121", "Emergency Shelter", "1101"),
    ("1123", "Immediate Safety", "1101"),
    ("1124", "Help Escape Violence", "1123"),
    ("1125", "Safe Housing", "1123"),
    ("1126", "Psychiatric Emergency Services", "1101"),
    ("1102", "Food", None),
    ("1128", "Emergency Food", "1102"),
    ("1130", "Food Pantry", "1102"),
    ("1131", "Free Meals", "1102"),
    ("1132", "Help Pay for Food", "1102"),
    ("1133", "Food Benefits", "1132"),
    ("1103", "Housing", None),
    ("1135", "Emergency Shelter", "1103"),
    ("1136", "Help Find Housing", "1103"),
    ("1137", "Help Pay for Housing", "1103"),
    ("1142", "Housing Advice", "1103"),
    ("1145", "Residential Housing", "1103"),
    ("1152", "Short-Term Housing", "1145"),
    ("1154", "Sober Living", "1152"),
    ("1106", "Health", None),
    ("1178", "Addiction & Recovery", "1106"),
    ("1180", "Detox", "1178"),
    ("1181", "Outpatient Treatment", "1178"),
    ("1182", "Residential Treatment", "1178"),
    ("1108", "Care", None),
    ("1277", "Daytime Care", "1108"),
    ("1280", "Childcare", "1277"),
    ("1281", "Help Find Childcare", "1280"),
    ("1303", "Support Network", "1108"),
    ("1304", "Counseling", "1303"),
    ("1305", "Help Hotlines", "1303"),
    ("1306", "Home Visiting", "1303"),
    ("1312", "Support Groups", "1303"),
    ("1315", "Parenting Education", "1312"),
    ("1111", "Legal", None),
    ("1375", "Advocacy & Legal Aid", "1111"),
    ("1381", "Citizenship & Immigration", "1375"),
    ("1384", "Identification Recovery", "1375"),
    ("1387", "Mediation", "1111"),
    ("1389", "Representation", "1111"),
    ("20000", "General", None),
    ("20001", "Anyone in Need", "20000"),
    ("20002", "Age Group", None),
    ("20003", "Adults", "20002"),
    ("20004", "Teens", "20002"),
    ("20005", "Children", "20002"),
    ("20006", "Seniors", "20002"),
    ("20007", "Armed Forces", None),
    ("20010", "Veterans", "20007"),
    ("20011", "Citizenship", None),
    ("20012", "Immigrants", "20011"),
    ("20013", "Refugees", "20011"),
    ("20015", "Criminal History", None),
    ("20016", "Ex-Offenders", "20015"),
    ("20017", "Disability", None),
    ("20025", "Mental Illness", "20017"),
    ("20035", "Gender", None),
    ("20036", "Women", "20035"),
    ("20037", "Men", "20035"),
    ("20038", "Transgender", "20035"),
    ("20039", "Guardianship", None),
    ("20040", "Foster Youth", "20039"),
    ("20041", "Health", None),
    ("20043", "Pregnant", "20041"),
    ("20050", "Substance Dependency", "20041"),
    ("20052", "Household", None),
    ("20053", "Individuals", "20052"),
    ("20054", "Families", "20052"),
    ("20055", "Housing", None),
    ("20057", "Home Renters", "20055"),
    ("20058", "Homeless", "20055"),
    ("20059", "Near Homeless", "20055"),
    ("20060", "Runaways", "20055"),
    ("20061", "Income", None),
    ("20063", "Low-Income", "20061"),
    ("20066", "Language", None),
    ("20067", "Limited English", "20066"),
    ("20072", "Role", None),
    ("20075", "Mothers", "20072"),
    ("20076", "Parents", "20072"),
    ("20077", "Sexuality", None),
    ("20078", "LGBTQ", "20077"),
    ("20079", "Survivors", None),
    ("20083", "Domestic Violence Survivors", "20079"),
    ("20084", "Human Trafficking Survivors", "20079"),
    ("20087", "Urgency", None),
    ("20088", "In Crisis", "20087"),
)

# Linkage's own small taxonomy for facts Open Eligibility has no code for.
LINKAGE_TERMS: tuple[tuple[str, str], ...] = (
    ("insurance:medicaid", "Medicaid"),
    ("insurance:medicare", "Medicare"),
    ("insurance:private", "Private insurance"),
)
