"""Vault: atomic writes, corrupt files read as absent, power cut at every step."""

import gc

import vault as vault_mod
from vault import Vault

from fw_data import ADDRESS, BLOB, DEVICE_ID, SECRET, SUMMARY, fresh_dir
from fw_files import PowerCut, make_cutting_files, vault_files


def test_fresh_vault_is_unprovisioned_with_zero_counters():
    v = Vault(fresh_dir("v_fresh"))
    assert not v.provisioned
    assert (v.release_counter, v.failures, v.lockout_s) == (0, 0, 0)


def test_provision_then_reload():
    root = fresh_dir("v_prov")
    v = Vault(root)
    v.provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
    v.save_counters(7, 2, 0)
    again = Vault(root)
    assert again.provisioned
    assert again.device_id == DEVICE_ID and again.address == ADDRESS and again.secret == SECRET
    assert again.read_blob(0, 4096) == BLOB
    assert again.read_blob(590, 100) == BLOB[590:]
    assert again.read_summary(10, 20) == SUMMARY[10:30]
    assert (again.release_counter, again.failures) == (7, 2)


def test_corrupt_prov_reads_unprovisioned():
    root = fresh_dir("v_corrupt")
    Vault(root).provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
    with open(root + "/prov.bin", "r+b") as f:
        f.seek(300)
        f.write(b"\x00\x01\x02")
    assert not Vault(root).provisioned


def test_lost_state_on_provisioned_band_fails_closed():
    root = fresh_dir("v_state")
    Vault(root).provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
    with open(root + "/state.bin", "wb") as f:
        f.write(b"IBS1garbage")
    v = Vault(root)
    assert v.failures == 3 and v.lockout_s == 30


def test_power_cut_at_every_step_of_provisioning_leaves_old_or_new():
    budget = 0
    outcomes = set()
    while True:
        gc.collect()  # each round leaves a dead vault and file objects; keep 64 KB enough
        root = fresh_dir("v_cut")
        files = make_cutting_files(vault_mod.Files, 1000)
        v = Vault(root, files)
        files.left = budget
        try:
            v.provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
        except PowerCut:
            pass
        after = Vault(root)
        if after.provisioned:
            assert after.read_blob(0, 100) == BLOB[:100] and after.read_blob(500, 200) == BLOB[500:]
            assert after.secret == SECRET
            assert after.release_counter == 0 and after.failures == 0
        else:
            assert after.blob_len == 0
        outcomes.add(after.provisioned)
        if not files.cut:
            break
        budget += 1
    assert outcomes == {False, True}
    assert budget > 5  # every write, rename and cleanup step was cut once


def test_power_cut_at_every_step_of_a_counter_update():
    budget = 0
    while True:
        gc.collect()
        root = fresh_dir("v_cut2")
        Vault(root).provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
        Vault(root).save_counters(5, 1, 0)
        files = make_cutting_files(vault_mod.Files, 1000)
        v = Vault(root, files)
        files.left = budget
        try:
            v.save_counters(6, 2, 30)
        except PowerCut:
            pass
        after = Vault(root)
        state = (after.release_counter, after.failures, after.lockout_s)
        assert state in ((5, 1, 0), (6, 2, 30)), state
        if not files.cut:
            assert state == (6, 2, 30)
            break
        budget += 1
    assert budget >= 3


def test_failed_write_keeps_old_state_and_raises_vault_error():
    root = fresh_dir("v_fail")
    v = Vault(root)
    v.save_counters(3, 0, 0)
    before = vault_files(root)

    class Refusing(vault_mod.Files):
        def rename(self, old, new):
            raise OSError(28)

    v2 = Vault(root, Refusing())
    try:
        v2.save_counters(4, 0, 0)
    except vault_mod.VaultError:
        pass
    else:
        assert False, "no VaultError"
    assert vault_files(root) == before
    assert v2.release_counter == 3


def test_erase_removes_everything():
    root = fresh_dir("v_erase")
    v = Vault(root)
    v.provision(DEVICE_ID, ADDRESS, SECRET, BLOB, SUMMARY)
    v.erase()
    assert not v.provisioned and vault_files(root) == {}
    assert not Vault(root).provisioned
