"""The engine through its services: reading, validation per row and field, all-or-nothing, kinds."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dudao.core.errors import ApplicationError
from dudao.core.models import AuditEvent
from dudao.imports import registry, selectors, services
from dudao.imports.models import ImportRun
from dudao.org.models import Person, RoleAssignment, Unit

from .files import PASSWORD, PEOPLE_HEADERS, UNIT_HEADERS, chain, csv_bytes, read_xlsx, xlsx

pytestmark = pytest.mark.django_db


def run_import(world, kind, content, filename="data.xlsx", *, dry_run=False, mapping=None, actor="admin"):
    actor = world.person(actor)
    run = services.import_run_create(actor=actor, kind=kind, content=content, filename=filename,
                                     mapping=mapping, dry_run=dry_run)
    return services.import_run_start(actor=actor, run=run)


def org_state(world):
    """Everything an import may change: units, people, roles and their audit events."""
    return (
        sorted(Unit.objects.values_list("code", "name", "kind", "parent_id", "path")),
        sorted(Person.objects.values_list("username", "display_name", "email", "password")),
        RoleAssignment.objects.count(),
        AuditEvent.objects.exclude(action__startswith="import.").count(),
    )


def errors_of(run):
    return {(e["sheet"], e["row"], e["field"]) for e in run.errors}


# --- units -------------------------------------------------------------------------------------
def test_units_tree_by_parent_code_with_children_before_parents(world):
    content = xlsx({"机构": [UNIT_HEADERS,
                            ["N1", "新店一", "门店", "NR"],
                            ["NR", "华北区", "区域", "ROOT"],
                            ["N2", "新店二", "store", "NR"]]})
    run = run_import(world, "units", content)
    assert run.status == "applied", run.errors
    assert (run.created, run.updated, run.rows) == (3, 0, 3)
    region = Unit.objects.get(organization=world.org, code="NR")
    assert region.parent_id == world.units["root"].pk
    store = Unit.objects.get(organization=world.org, code="N1")
    assert store.parent_id == region.pk and store.kind == "store" and store.path.startswith(region.path)
    assert AuditEvent.objects.filter(action="unit.create", object_id=str(store.pk)).exists()
    assert AuditEvent.objects.filter(action="import.apply", object_id=str(run.pk)).exists()


def test_english_headers_and_field_codes_are_matched(world):
    english = xlsx({"Sheet": [["Unit code", "Unit name", "Kind", "Parent code"], ["N1", "Store one", "Store", "E"]]})
    codes = csv_bytes([["code", "name", "kind", "parent_code"], ["N2", "Store two", "store", "E"]])
    assert run_import(world, "units", english).status == "applied"
    assert run_import(world, "units", codes, "units.csv").status == "applied"
    assert set(Unit.objects.filter(parent=world.units["east"]).values_list("code", flat=True)) >= {"N1", "N2"}


def test_gb18030_and_bom_csv_are_read(world):
    rows = [UNIT_HEADERS, ["N1", "北京朝阳店", "门店", "E"]]
    run = run_import(world, "units", csv_bytes(rows, "gb18030"), "units.csv")
    assert run.status == "applied", run.errors
    assert Unit.objects.get(code="N1").name == "北京朝阳店"
    rows = [UNIT_HEADERS, ["N2", "上海徐汇店", "门店", "E"]]
    run = run_import(world, "units", b"\xef\xbb\xbf" + csv_bytes(rows), "units.csv")
    assert run.status == "applied" and Unit.objects.get(code="N2").name == "上海徐汇店"


def test_mapping_names_the_columns_the_labels_do_not(world):
    content = xlsx({"x": [["店号", "店名", "业态", "所属"], ["N1", "新店", "门店", "E"]]})
    unmapped = run_import(world, "units", content)
    assert unmapped.status == "failed"
    assert ("x", 1, "店号") in errors_of(unmapped)
    mapping = {"店号": "code", "店名": "name", "业态": "kind", "所属": "parent_code"}
    run = run_import(world, "units", content, mapping=mapping)
    assert run.status == "applied", run.errors
    assert Unit.objects.get(code="N1").parent_id == world.units["east"].pk


def test_existing_code_is_an_update_with_before_and_after(world):
    content = xlsx({"机构": [UNIT_HEADERS, ["S1", "南京西路旗舰店", "门店", "W"], ["S2", "淮海路店", "门店", "E"]]})
    preview = run_import(world, "units", content, dry_run=True)
    assert preview.status == "validated"
    assert (preview.created, preview.updated) == (0, 1)
    change = preview.changes[0]
    assert change["action"] == "update"
    assert change["changes"] == {"name": ["南京西路店", "南京西路旗舰店"], "parent_code": ["E", "W"]}
    assert preview.changes[1]["action"] == "unchanged"
    run = run_import(world, "units", content)
    store = world.unit("store1")
    assert run.status == "applied" and (run.created, run.updated) == (0, 1)
    assert store.name == "南京西路旗舰店" and store.parent_id == world.units["west"].pk
    assert store.path.startswith(world.unit("west").path)


BAD_UNIT_ROWS = [
    ("missing parent", ["N1", "新店", "门店", "NOPE"], "parent_code"),
    ("store under a store", ["N1", "新店", "门店", "S1"], "parent_code"),
    ("unknown kind", ["N1", "新店", "超市", "E"], "kind"),
    ("no name", ["N1", "", "门店", "E"], "name"),
    ("no parent", ["N1", "新店", "门店", ""], "parent_code"),
    ("second company", ["N1", "新公司", "公司", "ROOT"], "kind"),
    ("duplicate code", ["N0", "重复", "门店", "E"], "code"),
]


@pytest.mark.parametrize(("case", "row", "field"), BAD_UNIT_ROWS, ids=[c[0] for c in BAD_UNIT_ROWS])
def test_a_bad_unit_row_is_named_and_nothing_changes(world, case, row, field):
    content = xlsx({"机构": [UNIT_HEADERS, ["N0", "好的店", "门店", "E"], row]})
    before = org_state(world)
    run = run_import(world, "units", content)
    assert run.status == "failed"
    assert errors_of(run) == {("机构", 3, field)}, run.errors
    assert all(e["message"] for e in run.errors)
    assert org_state(world) == before


def test_a_cycle_is_a_row_error(world):
    content = xlsx({"机构": [UNIT_HEADERS, ["A", "甲", "区域", "B"], ["B", "乙", "区域", "A"]]})
    before = org_state(world)
    run = run_import(world, "units", content)
    assert errors_of(run) == {("机构", 2, "parent_code"), ("机构", 3, "parent_code")}
    assert "循环" in run.errors[0]["message"]
    # Moving an existing region under its own store's new child is a cycle too.
    content = xlsx({"机构": [UNIT_HEADERS, ["E", "华东区", "区域", "X"], ["X", "新区", "区域", "E"]]})
    assert run_import(world, "units", content).status == "failed"
    assert org_state(world) == before


# --- people ------------------------------------------------------------------------------------
def test_people_with_roles_by_label_and_several_rows(world):
    content = xlsx({"人员": [PEOPLE_HEADERS,
                            ["li", "李雷", "li@example.com", PASSWORD, "督导", "E"],
                            ["li", "", "", "", "region_manager", "W"],
                            ["han", "韩梅梅", "", "", "店长/负责人", "S1"],
                            ["boss", "老板", "", "", "总经理", ""]]})
    run = run_import(world, "people", content)
    assert run.status == "applied", run.errors
    assert (run.created, run.updated) == (3, 0)
    li = Person.objects.get(username="li")
    assert li.organization_id == world.org.pk
    assert set(li.role_assignments.values_list("role", "unit__code")) == {("supervisor", "E"), ("region_manager", "W")}
    assert li.check_password(PASSWORD)
    han = Person.objects.get(username="han")
    assert not han.has_usable_password()
    assert Person.objects.get(username="boss").role_assignments.get().unit_id == world.units["root"].pk


def test_existing_username_updates_details_and_adds_the_role(world):
    content = xlsx({"人员": [PEOPLE_HEADERS, ["supervisor", "王督导", "", "", "督导", "W"],
                            ["staff", "staff", "staff@example.com", "", "员工", "S1"]]})
    old_password = world.person("supervisor").password
    run = run_import(world, "people", content)
    assert run.status == "applied", run.errors
    assert (run.created, run.updated) == (0, 1)
    supervisor = world.person("supervisor")
    assert supervisor.display_name == "王督导" and supervisor.password == old_password
    assert set(supervisor.role_assignments.values_list("unit__code", flat=True)) == {"E", "W"}
    assert run.changes[1]["action"] == "unchanged"


BAD_PEOPLE_ROWS = [
    ("unknown role", ["zhao", "赵", "", "", "店小二", "S1"], "role"),
    ("unknown unit", ["zhao", "赵", "", "", "督导", "NOPE"], "unit_code"),
    ("bad email", ["zhao", "赵", "not-an-email", "", "", ""], "email"),
    ("weak password", ["zhao", "赵", "", "123", "", ""], "password"),
    ("no name for a new person", ["zhao", "", "", "", "", ""], "display_name"),
    ("role needs a unit", ["zhao", "赵", "", "", "督导", ""], "unit_code"),
    ("unit without a role", ["zhao", "赵", "", "", "", "S1"], "role"),
    ("username of another organisation", ["b_admin", "乙", "", "", "", ""], "username"),
    ("inconsistent name", ["ok", "另一个名字", "", "", "", ""], "display_name"),
]


@pytest.mark.parametrize(("case", "row", "field"), BAD_PEOPLE_ROWS, ids=[c[0] for c in BAD_PEOPLE_ROWS])
def test_a_bad_person_row_is_named_and_nothing_changes(world, case, row, field):
    content = xlsx({"人员": [PEOPLE_HEADERS, ["ok", "好人", "", PASSWORD, "员工", "S1"], row]})
    before = org_state(world)
    run = run_import(world, "people", content)
    assert run.status == "failed"
    assert errors_of(run) == {("人员", 3, field)}, run.errors
    assert org_state(world) == before


# --- dry run, apply, history -------------------------------------------------------------------
def test_dry_run_writes_nothing_but_the_run_and_apply_uses_the_stored_file(world):
    content = xlsx({"机构": [UNIT_HEADERS, ["N1", "新店", "门店", "E"]]})
    before = org_state(world)
    preview = run_import(world, "units", content, dry_run=True)
    assert preview.status == "validated" and (preview.created, preview.updated) == (1, 0)
    assert preview.changes[0]["action"] == "create"
    assert org_state(world) == before
    assert ImportRun.objects.count() == 1
    assert set(AuditEvent.objects.filter(action__startswith="import.").values_list("action", flat=True)) == {
        "import.create", "import.validate"}
    admin = world.person("admin")
    applied = services.import_run_start(actor=admin, run=services.import_run_apply(actor=admin, run=preview))
    assert applied.status == "applied" and applied.source_id == preview.pk
    assert applied.file.name == preview.file.name and applied.sha256 == preview.sha256
    assert Unit.objects.filter(code="N1").exists()
    with pytest.raises(ApplicationError):
        services.import_run_apply(actor=admin, run=preview)


def test_a_non_admin_cannot_import_and_nothing_is_kept(world):
    content = xlsx({"机构": [UNIT_HEADERS, ["N1", "新店", "门店", "E"]]})
    for actor in ("executive", "region_manager", "no_role"):
        with pytest.raises(ApplicationError) as refused:
            run_import(world, "units", content, actor=actor)
        assert refused.value.code == "permission_denied"
    assert not ImportRun.objects.exists()


def test_kinds_of_the_contract_not_yet_registered_are_not_available(world):
    registered = registry._KINDS.pop("kpi_values", None)  # as before its app registers it
    try:
        with pytest.raises(ApplicationError) as refused:
            run_import(world, "kpi_values", csv_bytes([["a"], ["1"]]), "k.csv")
    finally:
        if registered is not None:
            registry._KINDS["kpi_values"] = registered
    assert refused.value.status == 422 and "not available" in refused.value.message
    assert refused.value.detail["fields"] == {"kind": [refused.value.message]}


def test_a_higher_app_registers_its_kind(world):
    class Targets(registry.ImportKind):
        code = "targets"
        label = "目标"
        fields = (registry.Field("value", "目标值", "Value", required=True),)

        def plan(self, rows, context):
            plans = [registry.RowPlan(row, key=row.get("value"), action="create") for row in rows]
            for plan in plans:
                if not plan.key.isdigit():
                    plan.error("value", "必须是数字")
            return plans

        def apply(self, plans, context):
            return self.count(plans)

    registered = registry._KINDS.pop("targets", None)  # the real one (appraisal's) steps aside
    registry.register_kind(Targets())
    try:
        run = run_import(world, "targets", csv_bytes([["目标值"], ["12"], ["x"]]), "t.csv")
        assert errors_of(run) == {("", 3, "value")}
    finally:
        registry._KINDS.pop("targets")
        if registered is not None:
            registry._KINDS["targets"] = registered


# --- templates and exports ----------------------------------------------------------------------
def test_templates_have_chinese_headers_a_readme_and_import_as_they_are(world):
    admin = world.person("admin")
    for kind, sheets in (("units", {"机构", "说明"}), ("people", {"人员", "说明"}),
                         ("onboarding", {"机构", "人员", "说明"})):
        book = read_xlsx(selectors.template_workbook(admin, kind).content)
        assert set(book) == sheets
        readme = book["说明"]
        assert any("门店 (store)" in (row[7] or "") for row in readme) or kind == "people"
        if kind != "units":
            assert any("督导 (supervisor)" in (row[7] or "") for row in readme)
    units = read_xlsx(selectors.template_workbook(admin, "units").content)["机构"]
    assert units[0] == [*UNIT_HEADERS, "纬度", "经度"]
    filled = xlsx({"机构": [units[0], ["N1", "新店", "门店", "E", "", ""]]})
    assert run_import(world, "units", filled).status == "applied"


def test_export_then_import_changes_nothing(world):
    admin = world.person("admin")
    run_import(world, "people", xlsx({"人员": [PEOPLE_HEADERS, ["solo", "无角色的人", "", "", "", ""]]}))
    for kind in ("units", "people", "onboarding"):
        content = selectors.export_workbook(admin, kind).content
        before = org_state(world)
        run = run_import(world, kind, content, f"{kind}.xlsx")
        assert run.status == "applied", run.errors
        assert (run.created, run.updated) == (0, 0), run.changes
        assert org_state(world) == before
    people = read_xlsx(selectors.export_workbook(admin, "people").content)["人员"]
    assert ["solo", "无角色的人", None, None, None, None] in people
    assert ["supervisor", "supervisor", "supervisor@example.com", None, "督导", "E"] in people


# --- onboarding ------------------------------------------------------------------------------------
def test_onboarding_300_stores_and_60_people_fails_on_two_bad_rows_then_applies(world, settings):
    settings.IMPORTS_INLINE_MAX_ROWS = 1000
    units, people = chain()
    units[10][2] = "超市"  # row 11 of the units sheet: an unknown kind
    people[20][5] = "ST999"  # row 21 of the people sheet: a unit nowhere
    before = org_state(world)
    run = run_import(world, "onboarding", xlsx({"机构": units, "人员": people}))
    assert run.status == "failed"
    assert errors_of(run) == {("机构", 11, "kind"), ("人员", 21, "unit_code")}
    assert org_state(world) == before

    units[10][2] = "门店"
    people[20][5] = "ST019"
    units_before, people_before = Unit.objects.count(), Person.objects.count()
    run = run_import(world, "onboarding", xlsx({"机构": units, "人员": people}))
    assert run.status == "applied", run.errors[:3]
    assert (run.created, run.updated) == (305 + 60, 0)
    assert Unit.objects.count() == units_before + 305
    assert Person.objects.count() == people_before + 60
    assert Unit.objects.get(code="ST007").parent.code == "RG2"
    user00 = Person.objects.get(username="user00")
    assert set(user00.role_assignments.values_list("role", flat=True)) == {"supervisor", "region_manager"}
    for person in Person.objects.filter(username__in=[f"user{n:02d}" for n in range(0, 60, 2)]):
        assert person.check_password(PASSWORD) and person.is_active
    assert not Person.objects.get(username="user01").has_usable_password()


def test_long_files_run_in_a_job_and_progress_reaches_every_row(world, settings, django_capture_on_commit_callbacks):
    settings.IMPORTS_INLINE_MAX_ROWS = 100
    units, _people = chain(stores=250)
    admin = world.person("admin")
    run = services.import_run_create(actor=admin, kind="units", content=xlsx({"机构": units}), filename="u.xlsx",
                                     dry_run=False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = services.import_run_start(actor=admin, run=run)
        assert started.status == "running"
    assert callbacks
    run.refresh_from_db()
    assert run.status == "applied", run.errors
    assert run.processed == run.rows == 255
    assert Unit.objects.filter(code__startswith="ST").count() == 250
    # A dry run only reads, so a file this long is still checked inline.
    preview = services.import_run_create(actor=admin, kind="units", content=xlsx({"机构": units}), filename="u.xlsx")
    assert services.import_run_start(actor=admin, run=preview).status == "validated"


def _units_file(stores: int) -> bytes:
    units, _people = chain(stores=stores)
    return xlsx({"机构": units})


def test_queries_of_a_300_row_apply_do_not_grow_per_row_beyond_the_writes(world, settings):
    settings.IMPORTS_INLINE_MAX_ROWS = 1000
    admin = world.person("admin")

    def count(content, dry_run):
        run = services.import_run_create(actor=admin, kind="units", content=content, filename="u.xlsx",
                                         dry_run=dry_run)
        admin_fresh = world.person("admin")
        with CaptureQueriesContext(connection) as queries:
            done = services.import_run_start(actor=admin_fresh, run=run)
        assert done.status in {"applied", "validated"}, done.errors
        return len(queries)

    # Planning looks up what exists in bulk: the same queries for 30 rows as for 300.
    assert count(_units_file(25), True) == count(_units_file(295), True)
    # Writing goes through org services (validated and audited row by row): a fixed number per unit.
    small = count(_units_file(25), False)
    Unit.objects.filter(code__startswith=("ST")).delete()
    Unit.objects.filter(code__startswith=("RG")).delete()
    large = count(_units_file(295), False)
    per_unit = (large - small) / 270
    assert per_unit == PER_UNIT_QUERIES
    assert large == LARGE_APPLY_QUERIES


PER_UNIT_QUERIES = 10
LARGE_APPLY_QUERIES = 3012  # 300 units x 10 (service, audit, savepoints) + 12 for the run


def test_a_processed_run_is_not_processed_again(world):
    content = xlsx({"机构": [UNIT_HEADERS, ["N1", "新店", "门店", "E"]]})
    run = run_import(world, "units", content)
    before = org_state(world)
    with pytest.raises(ApplicationError) as refused:
        services.import_run_start(actor=world.person("admin"), run=run)
    assert refused.value.code == "invalid_transition"
    assert org_state(world) == before


def test_people_without_a_password_are_mailed_a_link_to_set_one(world, mailoutbox, django_capture_on_commit_callbacks):
    content = xlsx({"人员": [PEOPLE_HEADERS,
                            ["mei", "韩梅", "mei@example.com", "", "督导", "E"],
                            ["nomail", "无邮箱", "", "", "督导", "E"],
                            ["withpw", "有密码", "pw@example.com", PASSWORD, "督导", "E"]]})
    with django_capture_on_commit_callbacks(execute=True):
        run = run_import(world, "people", content)
    assert run.status == "applied", run.errors
    # Only the person with an address and no password is mailed; the link sets the first password.
    assert [message.to for message in mailoutbox] == [["mei@example.com"]]
    body = mailoutbox[0].body
    assert "mei" in body
    link = next(word for word in body.split() if "/password-reset/" in word or "/reset/" in word)
    from django.test import Client

    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client = Client()
    response = client.get(path, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else path
    response = client.post(form_url, {"new_password1": "Mei-first-2026!", "new_password2": "Mei-first-2026!"})
    assert response.status_code == 302
    mei = Person.objects.get(username="mei")
    assert mei.check_password("Mei-first-2026!")


def test_a_password_from_the_file_must_be_changed_at_first_sign_in(world, client):
    content = xlsx({"人员": [PEOPLE_HEADERS, ["filepw", "文件密码", "", PASSWORD, "督导", "E"]]})
    run = run_import(world, "people", content)
    assert run.status == "applied", run.errors
    person = Person.objects.get(username="filepw")
    assert person.check_password(PASSWORD) and person.must_change_password
    # Signed in with the password everyone who saw the file knows, every page leads to choosing one's own.
    client.force_login(person)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].endswith("/me/password/")
