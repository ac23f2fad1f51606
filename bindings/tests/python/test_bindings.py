"""The generated Python bindings against the host library: the same child-visit scenario as the
Kotlin test, ending with enrollment and sync against a real fieldvisit-server (its URL in
FIELDVISIT_TEST_SERVER, a fresh enrollment code in FIELDVISIT_TEST_CODE_PYTHON). Plain python3 (no
pytest needed); prints `N passed, N failed` last and exits non-zero on failure. Run through
scripts/test-bindings.sh: it generates the module into bindings/python/, seeds and starts the server
and makes the code."""

import base64
import json
import os
import sys
import tempfile
import traceback

from fieldvisit.fieldvisit_core import Category, DueStatus, GeoPoint, LevelOverride
from fieldvisit.fieldvisit_ffi import (
    AnswerValue,
    FieldVisitError,
    FieldVisitStore,
    GpsFixRecord,
    KeyProvider,
    KeyProviderError,
    SyncCancel,
    SyncListener,
    category_code,
    sample_answers,
)

T0 = 1_779_242_400_000  # 2026-05-20T02:00:00Z
MINUTE = 60_000
HOUSEHOLD = "hh-child-1"
# A real 64x48 JPEG (a gradient) written by javax.imageio; the standard library has no JPEG encoder.
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAgAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAAwAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDxWO29qsx23tV6O29qtR23tXbOuZYfElGO29qsx23tV6O29qtR23tXLOue5h8SUY7b2q1Hbe1Xo7b2qzHbe1c0657uHxJRjtvarUdt7VejtvarMdt7VyzrnuYfEnKR23tVmO29qvR23tVqO29q1nXPwzD4gox23tVmO29qvR23tVqO29q5p1z3MPiCjHbe1Wo7b2q7Hbe1Wo7b2rlnXPdw+IKMdt7Vajtvar0dt7VZjtvauadc9zD4g5SO29qsx23tV6O29qtR23tWs65+GYfElGO29qsx23tV6O29qtR23tXLOue7h8SUY7b2q1Hbe1XY7b2q1Hbe1c0657mHxJRjtvarUdt7VejtvarMdt7Vyzrnu4fEn//Z"
)

passed = failed = 0


def check(name):
    def run(body):
        global passed, failed
        try:
            body()
            passed += 1
            print("ok  ", name)
        except Exception:  # noqa: BLE001 - every failure is reported and counted
            failed += 1
            print("FAIL", name)
            traceback.print_exc(limit=4, file=sys.stdout)
        return body

    return run


def raises(kind, fn, *args):
    try:
        fn(*args)
    except kind as e:
        return e
    raise AssertionError(f"expected {kind.__name__}")


class StaticKeys(KeyProvider):
    def __init__(self, key):
        self.key = key

    def master_key(self):
        return self.key


class LockedKeys(KeyProvider):
    def master_key(self):
        raise KeyProviderError.Unavailable("keystore locked (test)")


def audience_key():
    # Any 32 bytes are a valid X25519 public key for wrapping.
    return base64.b64encode(os.urandom(32)).decode()


def household(hid, name, category):
    return {
        "id": hid, "village_id": "v-001", "head_name": name, "id_number": "320115195001011234",
        "address": "江宁区某村3组", "categories": [{"category": category, "since": "2026-01-05"}],
        "location": {"lat": 31.95, "lon": 118.84},
        "members": [{"name": name, "relation": "户主", "birth_date": "1950-01-01"}],
    }


ASSIGNMENTS = {
    "version": 1, "worker_id": "w-001", "since": "t1",
    "households": [household(HOUSEHOLD, "王小明", "left_behind_child")],
    "removed_households": [], "templates": [],
    "schedule": {"rules": [{"category": "left_behind_child", "default": {"months": 1},
                            "by_level": {"HIGH": {"days": 7}, "LOW": {"months": 3}}}]},
    "evidence_thresholds": {"max_distance_m": 200.0, "max_accuracy_m": 100.0,
                            "max_fix_age_s": 120, "min_duration_s": 120},
    "audience_keys": [{"audience": "child-welfare", "public_key": audience_key()}],
    "returned": [],
    "staff": [{"id": "s-li", "name": "李明"}],
}

KEY = bytes([0x42] * 32)
PATH = os.path.join(tempfile.mkdtemp(prefix="fieldvisit-py"), "phone.db")
store = FieldVisitStore.open(PATH, StaticKeys(KEY))
state = {}


@check("categories cross as enums")
def _():
    assert category_code(Category.LEFT_BEHIND_CHILD) == "left_behind_child"


@check("assignments with a household, an audience key and the station's staff apply")
def _():
    store.apply_assignments(json.dumps(ASSIGNMENTS, ensure_ascii=False))
    [entry] = store.caseload("2026-05-20")
    assert entry.household_id == HOUSEHOLD and entry.status == DueStatus.OVERDUE, entry
    assert entry.days_overdue == 135
    assert [(m.id, m.name) for m in store.station_staff()] == [("s-li", "李明")]


@check("the template crosses typed: kinds with their options")
def _():
    t = store.template("left_behind_child")
    assert t.id == "child-guardianship", t.id
    items = [i for s in t.sections for i in s.items]
    kinds = {type(i.kind).__name__.rsplit(".", 1)[-1] for i in items}
    assert {"YES_NO", "SINGLE_CHOICE", "PHOTO"} <= kinds, kinds
    assert all(i.kind.options for i in items if i.kind.is_SINGLE_CHOICE()), "choice items have options"


@check("a visit starts with a GPS fix")
def _():
    fix = GpsFixRecord(point=GeoPoint(lat=31.9501, lon=118.8401), accuracy_m=12.0,
                       fix_time_ms=T0 - 30_000, mock=False)
    state["visit"] = store.start_visit(HOUSEHOLD, "left_behind_child", fix, T0)


@check("a bad answer is FieldVisitError.InvalidInput naming the item")
def _():
    e = raises(FieldVisitError.InvalidInput, store.answer, state["visit"], "no_such_item",
               AnswerValue.INTEGER(value=1))
    assert "no_such_item" in str(e) and " / " in str(e), e
    e = raises(FieldVisitError.InvalidInput, store.answer, state["visit"], "entrustment_notified",
               AnswerValue.TEXT(value="王小明"))
    assert "entrustment_notified" in str(e) and "王小明" not in str(e), e


@check("an answer is typed both ways, and None clears it")
def _():
    visit = state["visit"]
    store.answer(visit, "child_seen", AnswerValue.BOOL(value=True))
    assert [a.value for a in store.draft(visit).answers] == [AnswerValue.BOOL(value=True)]
    store.answer(visit, "child_seen", None)
    assert store.draft(visit).answers == []


@check("sample answers, a photo, investigators")
def _():
    visit = state["visit"]
    for a in sample_answers("child-guardianship"):
        store.answer(visit, a.path, a.value)
    store.set_investigators(visit, ["李明"])
    photo = store.attach_photo(visit, "entrustment_letter", JPEG, T0 + 5 * MINUTE)
    draft = store.draft(visit)
    assert draft.photo_ids == [photo] and draft.photos == {"entrustment_letter": [photo]}, draft
    assert any(a.path == "entrustment_notified" and a.value == AnswerValue.BOOL(value=True) for a in draft.answers), draft


@check("evaluate, override and police flag")
def _():
    visit = state["visit"]
    risk = next(s for s in store.evaluate(visit).scores if s.score == "risk")
    assert risk.level == "LOW" and risk.fired == [], risk
    store.override_level(visit, "risk", LevelOverride(level="MEDIUM", reason="祖母近期住院"))
    store.override_level(visit, "risk", None)
    store.report_to_police(visit, T0 + 10 * MINUTE)


@check("the child visit seals and the chain verifies")
def _():
    visit = state["visit"]
    store.finish(visit, T0 + 30 * MINUTE)
    sealed = store.seal(visit, T0 + 31 * MINUTE)
    assert sealed.seq == 1 and sealed.level == "LOW" and len(sealed.hash_hex) == 64, sealed
    assert store.verify_chain() == 1
    e = raises(FieldVisitError.Sealed, store.set_notes, visit, "late")
    assert visit in str(e), e


@check("a wrong key is WrongKey; a locked keystore is KeyUnavailable")
def _():
    raises(FieldVisitError.WrongKey, FieldVisitStore.open, PATH, StaticKeys(bytes(32)))
    raises(FieldVisitError.KeyUnavailable, FieldVisitStore.open, PATH, LockedKeys())
    assert FieldVisitStore.open(PATH, StaticKeys(KEY)).verify_chain() == 1


# ---- against a real server ---------------------------------------------------------------------
SERVER = os.environ.get("FIELDVISIT_TEST_SERVER")
CODE = os.environ.get("FIELDVISIT_TEST_CODE_PYTHON")
phone = FieldVisitStore.open(
    os.path.join(tempfile.mkdtemp(prefix="fieldvisit-py-sync"), "phone.db"), StaticKeys(bytes([0x17] * 32))
)


class RecordingListener(SyncListener):
    def __init__(self):
        self.progress = []
        self.finished = None
        self.error = "not called"

    def on_progress(self, done, total):
        self.progress.append((done, total))

    def on_finished(self, uploaded, error):
        self.finished, self.error = uploaded, error


@check("a real server and an enrollment code are given (scripts/test-bindings.sh starts one)")
def _():
    assert SERVER, "FIELDVISIT_TEST_SERVER is not set"
    assert CODE, "FIELDVISIT_TEST_CODE_PYTHON is not set"


@check("server: enrolls through the FFI and pulls its caseload, templates and keys")
def _():
    e = raises(FieldVisitError.NotEnrolled, phone.sync, None, None)
    assert "not enrolled" in str(e), e
    phone.enroll(SERVER, CODE, "python test phone")
    assert phone.server_url() == SERVER
    first = phone.sync(None, None)
    assert first.households_received == 1 and first.visits_completed == 0, first
    [entry] = phone.caseload("2026-05-20")
    assert entry.category == Category.LEFT_BEHIND_CHILD, entry
    state["server_household"] = entry.household_id


@check("server: a used enrollment code is refused")
def _():
    other = FieldVisitStore.open(
        os.path.join(tempfile.mkdtemp(prefix="fieldvisit-py-other"), "phone.db"), StaticKeys(bytes([0x18] * 32))
    )
    e = raises(FieldVisitError.EnrollmentRefused, other.enroll, SERVER, CODE, "second phone")
    assert "enrollment code" in str(e), e


@check("server: a child visit with a photo seals against the server's audience keys")
def _():
    fix = GpsFixRecord(point=GeoPoint(lat=31.9502, lon=118.8401), accuracy_m=10.0,
                       fix_time_ms=T0 - 15_000, mock=False)
    visit = phone.start_visit(state["server_household"], "left_behind_child", fix, T0)
    for a in sample_answers("child-guardianship"):
        phone.answer(visit, a.path, a.value)
    phone.set_investigators(visit, ["李明", "王芳"])
    phone.attach_photo(visit, "entrustment_letter", JPEG, T0 + 5 * MINUTE)
    phone.finish(visit, T0 + 30 * MINUTE)
    assert phone.seal(visit, T0 + 31 * MINUTE).seq == 1
    assert phone.pending_uploads() == 1


@check("server: sync uploads the visit and its photo; the server's receipt empties the outbox")
def _():
    listener = RecordingListener()
    summary = phone.sync(listener, SyncCancel())
    assert summary.visits_completed == 1 and summary.photos_completed == 1, summary
    assert summary.refused == [] and summary.bytes_sent > 1000, summary
    assert phone.pending_uploads() == 0
    assert listener.finished == 1 and listener.error is None, (listener.finished, listener.error)
    assert listener.progress[-1] == (1, 1), listener.progress


@check("server: a cancelled sync is Cancelled; a second sync sends nothing; the chain still verifies")
def _():
    cancel = SyncCancel()
    cancel.cancel()
    e = raises(FieldVisitError.Cancelled, phone.sync, None, cancel)
    assert "cancelled" in str(e), e
    again = phone.sync(None, None)
    assert again.visits_completed == 0 and again.bytes_sent == 0, again
    assert phone.verify_chain() == 1
    assert phone.returned_tasks() == []
    assert phone.revocation() is None


print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 else 1)
