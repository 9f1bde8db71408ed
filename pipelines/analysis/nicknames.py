"""Given names and their everyday short forms, for matching people across agencies' records.

One agency writes "Jonathan", another "Jon"; police and housing often record the name a person
gives at the door, councils the name on a tenancy or a council tax bill. The table below maps a
formal given name to the short and familiar forms in common use in England and Wales. It is data,
not code: add a line for a name your partnership sees often (a short form may belong to several
formal names: "Chris" is Christopher, Christine, Christina or Christian).

Names are compared after :func:`standard_name` (lower case, accents and punctuation removed), so
write them in plain lower-case letters here.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["NICKNAMES", "standard_name", "name_forms"]

#: formal given name: its short and familiar forms.
NICKNAMES: dict[str, tuple[str, ...]] = {
    # men
    "abdullah": ("abdul",),
    "albert": ("al", "bert", "bertie"),
    "alexander": ("alex", "al", "alec", "alfie", "sandy", "xander"),
    "alfred": ("alf", "alfie", "fred", "freddie"),
    "andrew": ("andy", "drew"),
    "anthony": ("tony", "ant"),
    "archibald": ("archie", "archy"),
    "arthur": ("art", "artie"),
    "benjamin": ("ben", "benny", "benji"),
    "bernard": ("bernie",),
    "bradley": ("brad",),
    "callum": ("cal",),
    "charles": ("charlie", "chas", "chaz", "chuck"),
    "christian": ("chris",),
    "christopher": ("chris", "kit", "topher"),
    "clifford": ("cliff",),
    "colin": ("col",),
    "daniel": ("dan", "danny"),
    "david": ("dave", "davey", "davy", "dai"),
    "dominic": ("dom",),
    "donald": ("don", "donny"),
    "douglas": ("doug", "dougie"),
    "edmund": ("ed", "eddie", "ted"),
    "edward": ("ed", "eddie", "eddy", "ted", "teddy", "ned"),
    "edwin": ("ed", "eddie"),
    "francis": ("frank", "frankie", "fran"),
    "frederick": ("fred", "freddie", "freddy"),
    "gareth": ("gaz",),
    "geoffrey": ("geoff", "jeff"),
    "george": ("georgie",),
    "gerald": ("gerry", "ged"),
    "gerard": ("gerry", "ged"),
    "gregory": ("greg",),
    "harold": ("harry", "hal"),
    "henry": ("harry", "hal", "hank"),
    "herbert": ("bert", "herb"),
    "jacob": ("jake", "jack"),
    "james": ("jim", "jimmy", "jamie", "jimbo"),
    "jeremy": ("jerry", "jez"),
    "jonathan": ("jon", "jonny", "jonnie", "johnny"),
    "john": ("jon", "johnny", "jonny", "jack", "jock"),
    "joseph": ("joe", "joey", "jo"),
    "joshua": ("josh",),
    "kenneth": ("ken", "kenny"),
    "lawrence": ("laurie", "larry", "lol"),
    "laurence": ("laurie", "larry", "lol"),
    "leonard": ("len", "lenny", "leo"),
    "lewis": ("lew",),
    "louis": ("lou",),
    "malcolm": ("mal",),
    "matthew": ("matt", "matty"),
    "maurice": ("mo", "mossy"),
    "michael": ("mike", "mick", "micky", "mickey", "mikey", "mich"),
    "mohammed": ("mo", "moh"),
    "muhammad": ("mo", "moh"),
    "nathaniel": ("nat", "nathan", "nate"),
    "nicholas": ("nick", "nicky", "nico"),
    "oliver": ("ollie", "olly", "ol"),
    "patrick": ("pat", "paddy", "patsy"),
    "peter": ("pete",),
    "philip": ("phil", "pip"),
    "phillip": ("phil",),
    "raymond": ("ray",),
    "reginald": ("reg", "reggie"),
    "richard": ("rich", "richie", "rick", "ricky", "dick"),
    "robert": ("rob", "robbie", "bob", "bobby", "bert", "rab"),
    "ronald": ("ron", "ronnie"),
    "samuel": ("sam", "sammy"),
    "sebastian": ("seb",),
    "stanley": ("stan",),
    "stephen": ("steve", "stevie", "steph"),
    "steven": ("steve", "stevie"),
    "stuart": ("stu",),
    "terence": ("terry", "tel"),
    "theodore": ("theo", "ted", "teddy"),
    "thomas": ("tom", "tommy", "thom"),
    "timothy": ("tim", "timmy"),
    "vincent": ("vince", "vinny"),
    "walter": ("walt", "wally"),
    "william": ("will", "willie", "willy", "bill", "billy"),
    "zachary": ("zach", "zack", "zak"),
    # women
    "abigail": ("abbie", "abby", "abi"),
    "alexandra": ("alex", "lexi", "sandy", "ally"),
    "alison": ("ali", "ally"),
    "amanda": ("mandy", "manda"),
    "angela": ("angie", "ange"),
    "annabel": ("anna", "bel", "belle"),
    "barbara": ("babs", "barbie"),
    "beatrice": ("bea", "trixie"),
    "bernadette": ("bernie", "detta"),
    "caroline": ("carol", "carrie", "caz"),
    "catherine": ("cath", "cathy", "kate", "katie", "cat", "kay"),
    "charlotte": ("charlie", "lottie", "lotte"),
    "christina": ("chris", "chrissie", "tina"),
    "christine": ("chris", "chrissie", "chrissy", "tina"),
    "cynthia": ("cindy",),
    "deborah": ("debbie", "debby", "deb", "debs"),
    "dorothy": ("dot", "dottie", "dolly"),
    "eleanor": ("ellie", "nell", "nora", "elle"),
    "elizabeth": ("liz", "lizzie", "lizzy", "beth", "betty", "bess", "libby", "eliza"),
    "ellen": ("ellie", "nell"),
    "emily": ("em", "emmy", "millie"),
    "florence": ("flo", "florrie"),
    "frances": ("fran", "frankie", "fanny"),
    "gillian": ("gill", "jill", "gilly"),
    "gwendolen": ("gwen",),
    "harriet": ("hattie",),
    "helen": ("nell",),
    "jacqueline": ("jackie", "jacqui", "jacky"),
    "jane": ("janey",),
    "janet": ("jan",),
    "jennifer": ("jen", "jenny", "jenni"),
    "jessica": ("jess", "jessie"),
    "joanne": ("jo", "jojo"),
    "joanna": ("jo",),
    "josephine": ("jo", "josie"),
    "judith": ("judy", "jude"),
    "julia": ("jules",),
    "katarzyna": ("kasia",),
    "katherine": ("kate", "katie", "kathy", "kath", "kat", "kay", "kitty"),
    "kathleen": ("kath", "kathy", "kate"),
    "kimberley": ("kim", "kimmy"),
    "kimberly": ("kim",),
    "lorraine": ("lorr",),
    "louise": ("lou", "lulu"),
    "madeleine": ("maddie", "maddy"),
    "magdalena": ("magda",),
    "margaret": ("maggie", "meg", "peggy", "marge", "madge", "mags"),
    "marjorie": ("marge",),
    "mary": ("molly", "polly"),
    "matilda": ("tilly", "tilda"),
    "megan": ("meg",),
    "melanie": ("mel",),
    "melissa": ("mel", "missy"),
    "michelle": ("shell", "shelly", "michy"),
    "nicola": ("nicky", "nikki", "nic"),
    "pamela": ("pam",),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "penelope": ("penny",),
    "rebecca": ("becky", "becca", "bex"),
    "rosemary": ("rose", "rosie"),
    "samantha": ("sam", "sammy"),
    "sandra": ("sandy",),
    "sophia": ("sophie",),
    "stephanie": ("steph", "stephie"),
    "susan": ("sue", "susie", "suzy"),
    "suzanne": ("sue", "suzy"),
    "teresa": ("tess", "terri", "tessa"),
    "theresa": ("tess", "terri", "tessa"),
    "valerie": ("val",),
    "victoria": ("vicky", "vicki", "tori", "vic"),
    "wendy": ("wend",),
}


def standard_name(name: object) -> str | None:
    """A name as compared: accents removed, lower case, letters only (or ``None``).

    Examples
    --------
    >>> standard_name("O’Brien"), standard_name("o brien"), standard_name(" Siân ")
    ('obrien', 'obrien', 'sian')
    >>> standard_name(""), standard_name(None)
    (None, None)
    """
    if name is None or not isinstance(name, str):
        return None
    plain = unicodedata.normalize("NFKD", name)
    letters = "".join(c for c in plain if c.isascii() and c.isalpha()).lower()
    return letters or None


@lru_cache(maxsize=1)
def _formal_names_of() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for formal, shorts in NICKNAMES.items():
        out.setdefault(formal, set()).add(formal)
        for short in shorts:
            out.setdefault(short, set()).add(formal)
    return {name: frozenset(formals) for name, formals in out.items()}


def name_forms(first_name: object) -> list[str]:
    """The name itself and every formal name it may be a short form of (sorted).

    Two given names are nickname-compatible when their forms intersect.

    Examples
    --------
    >>> name_forms("Jon")
    ['john', 'jon', 'jonathan']
    >>> name_forms("JONATHAN")
    ['jonathan']
    >>> sorted(set(name_forms("Jon")) & set(name_forms("Jonathan")))
    ['jonathan']
    >>> name_forms("Zainab"), name_forms(None)
    (['zainab'], [])
    """
    name = standard_name(first_name.split()[0] if isinstance(first_name, str)
                         and first_name.split() else first_name)
    if name is None:
        return []
    return sorted({name} | _formal_names_of().get(name, frozenset()))
