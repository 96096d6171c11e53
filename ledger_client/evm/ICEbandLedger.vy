# pragma version 0.4.3
# pragma evm-version paris
"""
@title ICEband ledger on an EVM chain
@notice Append-only log of ICEband entries. Each call carries one entry in its canonical
        encoding (ledger_client/ledger/codec.py); the contract parses the fields it needs,
        enforces the write rules, and emits the exact bytes in an `Entry` event so that any
        reader can decode the entry and check its author's Ed25519 signature offline.
        The EVM cannot check Ed25519 cheaply, so writes come only from relayers (consortium
        accounts admitted by the admin) that check every signature before submitting; the
        rules over Ed25519 identities (grants, registrations, revocations, sequences) are
        enforced here. See docs/ledger-evm.md.
"""

MAX_ENTRY: constant(uint256) = 6144
MAX_BATCH_ENTRIES: constant(uint256) = 64
MAX_APPROVALS: constant(uint256) = 16
QUORUM: constant(uint256) = 2
BODY: constant(uint256) = 46  # version 1 | kind 1 | author 32 | sequence 4 | timestamp 8
SIGNATURE: constant(uint256) = 64
ADDRESS_LABEL: constant(Bytes[26]) = b"ICEband/v1/patient-address"

# Actor slot (keyed by Ed25519 public key), packed so that an emergency access touches one slot:
SEQ_MASK: constant(uint256) = 2**32 - 1          # bits 0..31  next sequence number
AGENCY_BIT: constant(uint256) = 2**32            # bit  32     registered agency
RESP_SHIFT: constant(uint256) = 40               # bits 40..47 responder status
KEY_BLOCK_SHIFT: constant(uint256) = 64          # bits 64..127 block of the agency's key entry
KEY_BLOCK_CLEAR: constant(uint256) = max_value(uint256) - (2**128 - 2**64)
RESP_CLEAR: constant(uint256) = max_value(uint256) - 255 * 2**40
RESP_ACTIVE: constant(uint256) = 1
RESP_REVOKED: constant(uint256) = 2

# Device slot: patient address in bits 0..159, status in bits 160..167.
DEV_REGISTERED: constant(uint256) = 1
DEV_REVOKED: constant(uint256) = 2

event Entry:
    index: indexed(uint256)
    patient: indexed(address)
    author: indexed(bytes32)
    data: Bytes[MAX_ENTRY]

event RelayerChanged:
    relayer: indexed(address)
    allowed: bool

admin: public(address)
relayers: public(HashMap[address, bool])
size: public(uint256)
deployed_at: public(uint256)

actors: HashMap[bytes32, uint256]
patients: public(HashMap[address, uint256])           # block of registration (0 = unknown)
latest_anchor: public(HashMap[address, uint256])      # block of the newest anchor of any record
records: HashMap[address, HashMap[bytes32, uint256]]  # version | block << 32
grants: public(HashMap[address, HashMap[bytes32, bool]])
devices: HashMap[bytes32, uint256]
responder_agency: public(HashMap[bytes32, bytes32])
break_glass_logged: public(HashMap[address, HashMap[bytes16, bool]])  # (patient, nonce) used


@deploy
def __init__():
    self.admin = msg.sender
    self.relayers[msg.sender] = True
    self.deployed_at = block.number
    log RelayerChanged(relayer=msg.sender, allowed=True)


@external
def set_relayer(relayer: address, allowed: bool):
    assert msg.sender == self.admin, "4:only the admin admits relayers"
    self.relayers[relayer] = allowed
    log RelayerChanged(relayer=relayer, allowed=allowed)


@external
def append(entry: Bytes[MAX_ENTRY]):
    assert self.relayers[msg.sender], "4:sender is not an admitted relayer"
    self._apply(entry)


@external
def append_batch(entries: DynArray[Bytes[MAX_ENTRY], MAX_BATCH_ENTRIES]):
    """@notice All or nothing: each entry sees the state left by the ones before it."""
    assert self.relayers[msg.sender], "4:sender is not an admitted relayer"
    for entry: Bytes[MAX_ENTRY] in entries:
        self._apply(entry)


@view
@external
def next_sequence(author: bytes32) -> uint256:
    return self.actors[author] & SEQ_MASK


@view
@external
def actor(author: bytes32) -> (bool, uint256, uint256):
    """@return (registered agency, responder status, block of the agency's key entry)"""
    slot: uint256 = self.actors[author]
    return slot & AGENCY_BIT != 0, (slot >> RESP_SHIFT) & 255, (slot >> KEY_BLOCK_SHIFT) & (2**64 - 1)


@view
@external
def record(patient: address, record_id: String[255]) -> (uint256, uint256):
    """@return (latest version, block of its anchor); (0, 0) when none"""
    slot: uint256 = self.records[patient][keccak256(record_id)]
    return slot & SEQ_MASK, slot >> 32


@view
@external
def device(device_id: Bytes[32]) -> (address, uint256):
    """@return (patient, status: 0 unknown, 1 registered, 2 revoked)"""
    slot: uint256 = self.devices[keccak256(device_id)]
    return convert(convert(slot & (2**160 - 1), uint160), address), slot >> 160


@pure
@internal
def _uint(b: Bytes[32]) -> uint256:
    return convert(b, uint256)


@pure
@internal
def _address_of(author: bytes32) -> address:
    digest: bytes32 = sha256(concat(ADDRESS_LABEL, author))
    return convert(convert(convert(digest, uint256) >> 96, uint160), address)


@internal
def _apply(entry: Bytes[MAX_ENTRY]):
    n: uint256 = len(entry)
    assert n >= BODY + SIGNATURE, "1:entry is truncated"
    assert self._uint(slice(entry, 0, 1)) == 1, "1:unknown entry format version"
    kind: uint256 = self._uint(slice(entry, 1, 1))
    author: bytes32 = extract32(entry, 2)
    slot: uint256 = self.actors[author]
    assert self._uint(slice(entry, 34, 4)) == slot & SEQ_MASK, "3:sequence is not the author's next"
    slot += 1
    patient: address = empty(address)

    if kind == 1:  # patient registered
        patient = self._address_of(author)
        assert self.patients[patient] == 0, "6:patient already registered"
        self.patients[patient] = block.number
    elif kind == 2 or kind == 3:  # hospital granted / revoked, by the patient
        patient = self._address_of(author)
        assert self.patients[patient] != 0, "5:patient not registered"
        hospital: bytes32 = extract32(entry, BODY)
        if kind == 2:
            assert not self.grants[patient][hospital], "6:hospital already granted"
            self.grants[patient][hospital] = True
        else:
            assert self.grants[patient][hospital], "7:hospital not granted"
            self.grants[patient][hospital] = False
    elif kind == 4:  # record anchored, by a granted hospital
        patient = self._patient_field(entry)
        assert self.patients[patient] != 0, "5:patient not registered"
        assert self.grants[patient][author], "7:hospital not granted by the patient"
        id_len: uint256 = self._uint(slice(entry, BODY + 20, 1))
        record_key: bytes32 = keccak256(slice(entry, BODY + 21, id_len))
        version: uint256 = self._uint(slice(entry, BODY + 21 + id_len, 4))
        assert version > self.records[patient][record_key] & SEQ_MASK, "8:version does not increase"
        self.records[patient][record_key] = version | (block.number << 32)
        self.latest_anchor[patient] = block.number
    elif kind == 5 or kind == 6:  # device registered / revoked
        patient = self._patient_field(entry)
        self._device_change(kind, entry, author, patient)
    elif kind == 7:  # agency registered
        assert slot & AGENCY_BIT == 0, "6:agency already registered"
        slot = (slot & KEY_BLOCK_CLEAR) | AGENCY_BIT | (block.number << KEY_BLOCK_SHIFT)
    elif kind == 8:  # agency key rotated
        assert slot & AGENCY_BIT != 0, "9:author is not a registered agency"
        slot = (slot & KEY_BLOCK_CLEAR) | (block.number << KEY_BLOCK_SHIFT)
    elif kind == 9:  # responder registered, by a registered agency
        assert slot & AGENCY_BIT != 0, "9:author is not a registered agency"
        self._responder_change(kind, extract32(entry, BODY), author)
    elif kind == 10:  # responder revoked, by the agency that registered it
        self._responder_change(kind, extract32(entry, BODY), author)
    elif kind == 11:  # emergency access
        self._check_responder(slot)
        patient = self._patient_field(entry)
        dev_len: uint256 = self._uint(slice(entry, BODY + 20, 1))
        assert dev_len >= 1 and dev_len <= 32, "1:device id length"
        self._check_device(patient, keccak256(slice(entry, BODY + 21, dev_len)))
    elif kind == 12:  # break-glass
        self._check_responder(slot)
        patient = self._patient_field(entry)
        assert self.patients[patient] != 0, "5:patient not registered"
        # body: patient 20 | reason u8-len text | nonce 16 | approvals
        nonce_at: uint256 = BODY + 21 + self._uint(slice(entry, BODY + 20, 1))
        nonce: bytes16 = convert(slice(entry, nonce_at, 16), bytes16)
        assert not self.break_glass_logged[patient][nonce], \
            "15:a break-glass with this nonce is already logged for this patient"
        self._check_quorum(entry, nonce_at + 16)
        self.break_glass_logged[patient][nonce] = True
    else:
        raise "1:unknown entry kind"

    self.actors[author] = slot
    index: uint256 = self.size
    self.size = index + 1
    log Entry(index=index, patient=patient, author=author, data=entry)


@pure
@internal
def _patient_field(entry: Bytes[MAX_ENTRY]) -> address:
    return convert(convert(convert(slice(entry, BODY, 20), bytes20), uint160), address)


@internal
def _device_change(kind: uint256, entry: Bytes[MAX_ENTRY], author: bytes32, patient: address):
    if kind == 5:
        assert self.patients[patient] != 0, "5:patient not registered"
        assert self._address_of(author) == patient or self.grants[patient][author], \
            "4:only the patient or a granted hospital registers a device"
    else:
        assert self._address_of(author) == patient, "4:only the patient revokes a device"
    dev_len: uint256 = self._uint(slice(entry, BODY + 20, 1))
    assert dev_len >= 1 and dev_len <= 32, "1:device id length"
    key: bytes32 = keccak256(slice(entry, BODY + 21, dev_len))
    dev: uint256 = self.devices[key]
    status: uint256 = dev >> 160
    if kind == 5:
        assert status == 0, "6:device id already registered"
        self.devices[key] = convert(convert(patient, uint160), uint256) | (DEV_REGISTERED << 160)
    else:
        assert status != 0 and convert(convert(dev & (2**160 - 1), uint160), address) == patient, \
            "12:device not registered to this patient"
        assert status == DEV_REGISTERED, "13:device already revoked"
        self.devices[key] = dev & (2**160 - 1) | (DEV_REVOKED << 160)


@internal
def _responder_change(kind: uint256, responder: bytes32, agency: bytes32):
    r_slot: uint256 = self.actors[responder]
    status: uint256 = (r_slot >> RESP_SHIFT) & 255
    if kind == 9:
        assert status == 0, "6:responder already registered"
        self.responder_agency[responder] = agency
        self.actors[responder] = r_slot | (RESP_ACTIVE << RESP_SHIFT)
    else:
        assert status != 0, "10:responder not registered"
        assert self.responder_agency[responder] == agency, "4:only the responder's agency revokes it"
        assert status == RESP_ACTIVE, "11:responder already revoked"
        self.actors[responder] = (r_slot & RESP_CLEAR) | (RESP_REVOKED << RESP_SHIFT)


@pure
@internal
def _check_responder(slot: uint256):
    status: uint256 = (slot >> RESP_SHIFT) & 255
    assert status != 0, "10:author is not a registered responder"
    assert status == RESP_ACTIVE, "11:responder is revoked"


@view
@internal
def _check_device(patient: address, key: bytes32):
    dev: uint256 = self.devices[key]
    if dev == convert(convert(patient, uint160), uint256) | (DEV_REGISTERED << 160):
        return  # registered to this patient and not revoked: the patient is registered too
    assert self.patients[patient] != 0, "5:patient not registered"
    assert dev != 0 and convert(convert(dev & (2**160 - 1), uint160), address) == patient, \
        "12:device not registered to this patient"
    raise "13:device is revoked"


@view
@internal
def _check_quorum(entry: Bytes[MAX_ENTRY], approvals_at: uint256):
    # approvals: count u8 | count x (agency 32 | sig 64)
    count: uint256 = self._uint(slice(entry, approvals_at, 1))
    assert count <= MAX_APPROVALS, "1:too many approvals"
    pos: uint256 = approvals_at + 1
    seen: DynArray[bytes32, MAX_APPROVALS] = []
    for i: uint256 in range(MAX_APPROVALS):
        if i >= count:
            break
        agency: bytes32 = extract32(entry, pos + i * 96)
        assert agency not in seen, "14:an agency approved twice"
        assert self.actors[agency] & AGENCY_BIT != 0, "14:an approval is from an unregistered agency"
        seen.append(agency)
    assert len(seen) >= QUORUM, "14:fewer than two distinct registered agencies approved"
