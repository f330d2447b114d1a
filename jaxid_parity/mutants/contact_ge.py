"""Mutant: `>=` instead of `>` in the contact rule: sum(|cop|) >= 0 holds in every frame, so a swing
foot (all zeros) is 'in contact', with a lever arm |xpos| and a zero wrench."""

from jaxid_parity.mutants._base import Bugs, make_candidate

candidate = make_candidate(Bugs(contact_ge=True), "contact_ge")
