"""Everyday English words that follow "my telegram is", "at" or "dot" without being a handle."""

from __future__ import annotations

COMMON_WORDS = frozenset(
    """
    a about above across after again against all almost also always am an and any anyone anything
    are around as at available away back be because been before being below best better between
    both busy but by can cannot could currently deactivated deleted did different do does doing
    done down during each easier easiest either else enough even ever every everyone fine first
    for free from full further gone good great had has have having he her here hers him his how i
    if in inactive instead into is it its just later least less like linked listed locked long
    made main many may me mine more most mostly much must my myself near need needed never new
    next no none nor not nothing now of off often ok okay old on once one only open or other our
    out over own perfect please pls plz preferred pretty private probably public quite rarely
    ready really right same see set she should since so some someone something soon still such
    sure than thank thanks that the their them then there these they this those though through
    thx to today too under up updated upon us usually very via was we well were what when where
    which while who why will with without working would yes yet you your yours
    account address app chat contact details email handle id info mail name number phone profile
    username user
    """.split()
)

# Words that come before "at <website>" in a sentence, not before "at" in an address.
WORDS_BEFORE_AT = frozenset(
    """
    apply applied available based blog check cv demo details everything find found gallery hosted
    info internship interned job jobs link live located look looking more office online page
    portfolio post posted profile projects resume samples see site stuff team things uploaded
    visit website work worked working works
    """.split()
)
