"""What the session asks the ledger about a band before and after the release.

Each check raises the session error the responder sees; any `Ledger` backend works (SQLite
transparency log, EVM contract), through the `Ledger` protocol only.
"""

from __future__ import annotations

from ledger_client.ledger.entries import DeviceRegistered, EmergencyAccess
from ledger_client.ledger.protocol import Ledger, ResponderStatus

from . import errors as e
from .protocol import PublicFacts

__all__ = ["check_band", "check_patient_key", "last_logged_counter"]


def check_band(ledger: Ledger, responder: bytes, facts: PublicFacts) -> None:
    """Before the release: this responder may read, the band is not revoked, and it is
    registered to the patient it names."""
    status = ledger.responder_status(responder)
    if status is not ResponderStatus.ACTIVE:
        raise e.ReleaseRefused(f"your responder credential is not active on the ledger "
                               f"({status.name.lower()}); ask your agency")
    if ledger.is_device_revoked(facts.device_id):
        raise e.DeviceRevoked("the patient has revoked this band (lost or stolen): "
                              "do not trust it")
    if not any(isinstance(logged.entry.body, DeviceRegistered)
               and logged.entry.body.device_id == facts.device_id
               for logged in ledger.entries(patient=facts.patient_address)):
        raise e.DeviceUnknown("this band is not registered to the patient it names")


def check_patient_key(ledger: Ledger, patient: bytes, emergency_key: bytes) -> None:
    """After the release: the blob's emergency key is the one the named patient registered
    (a band that names one patient but carries another's key is refused)."""
    if ledger.emergency_key(patient) != emergency_key:
        raise e.ReleaseRefused("the band's emergency key is not the one registered for the "
                               "patient it names: do not trust this band")


def last_logged_counter(ledger: Ledger, patient: bytes, device_id: bytes) -> int:
    """The highest release counter any tablet has logged for this band after authenticating
    it online (0 if none). Accesses logged as offline are left out: offline nothing proved
    the band was the patient's, so a forged band's counter must not become every tablet's
    replay floor and lock the real band out."""
    return max((logged.entry.body.release_counter
                for logged in ledger.entries(patient=patient)
                if isinstance(logged.entry.body, EmergencyAccess)
                and logged.entry.body.device_id == device_id
                and not logged.entry.body.offline), default=0)
