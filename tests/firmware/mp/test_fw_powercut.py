"""Power cut at every file step of provisioning as the applet drives it (WRITE chunks staged on
flash, then COMMIT's switch): after the reboot the band is either unprovisioned with nothing
staged, or provisioned with every item. Driven at the vault (the applet adds only checks, tested
in test_fw_staging), so the unix-port run fits its 64 KB heap."""

import gc

import vault as vault_mod
from vault import Vault

from fw_data import ADDRESS, BLOB, DEVICE_ID, SECRET, SUMMARY, fresh_dir
from fw_files import PowerCut, make_cutting_files

CHUNK = 240  # as WRITE stages them


def stage_and_commit(vault):
    for item, value in ((1, DEVICE_ID), (2, ADDRESS), (3, BLOB), (4, SECRET), (5, SUMMARY)):
        for offset in range(0, len(value), CHUNK):
            vault.stage(item, offset, value[offset:offset + CHUNK])
    vault.commit_staged()


def cut_at(budget):
    """Cuts the power at file step `budget`; returns (was cut, provisioned after reboot)."""
    gc.collect()
    root = fresh_dir("pc_stage")
    files = make_cutting_files(vault_mod.Files, 1000)
    vault = Vault(root, files)
    files.left = budget
    try:
        stage_and_commit(vault)
    except PowerCut:
        pass
    after = Vault(root)  # the reboot: real files, what the band finds on flash
    if after.provisioned:
        assert after.secret == SECRET and after.device_id == DEVICE_ID
        assert after.read_blob(0, 50) == BLOB[:50] and after.read_blob(550, 50) == BLOB[550:]
        assert after.read_summary(0, 50) == SUMMARY[:50] and after.summary_len == len(SUMMARY)
        assert (after.release_counter, after.failures, after.lockout_s) == (0, 0, 0)
    else:
        assert after.staged == {} and after.blob_len == 0
    return files.cut, after.provisioned


def test_power_cut_at_every_step_of_staged_provisioning():
    budget = 0
    states = []
    while True:
        cut, provisioned = cut_at(budget)
        states.append(provisioned)
        if not cut:
            break
        budget += 1
    assert states[-1]  # the uncut run provisions
    first_new = states.index(True)
    assert first_new > 8  # every staging append came before the switch and was cut once
    assert all(states[first_new:])  # once COMMIT switched, every later cut keeps the new state
