"""Unit tests: every confirmation names the exact grouping key and the exact request."""

from __future__ import annotations

from pgwtui.labels import key_text
from pgwtui.models import Group
from pgwtui.views.prompts import delete_family, delete_group, delete_groups, key_lines, repush_family

KEY = (("instance", ""), ("job", "backup"), ("path", "/var/log"))
GROUP = Group(KEY, 1.0, None, True, 2, 3, None, raw="{}")


def test_key_lines_show_empty_values_and_job_first():
    assert key_lines(KEY) == ['  job      = "backup"', '  instance = ""', '  path     = "/var/log"']
    assert key_text(KEY, quote_all=True) == 'job="backup" instance="" path="/var/log"'


def test_delete_group_names_key_and_request():
    prompt = delete_group(
        GROUP, "http://gw:9091", "/metrics/job@base64/YmFja3Vw/instance@base64/=/path@base64/L3Zhci9sb2c="
    )
    assert 'instance = ""' in prompt.body
    assert "DELETE /metrics/job@base64/YmFja3Vw/instance@base64/=/path@base64/L3Zhci9sb2c=" in prompt.body
    assert "/metrics/job/backup/instance//path/%2Fvar%2Flog" in prompt.body
    assert "2 families and 3 series" in prompt.body
    assert not prompt.warning


def test_delete_many_lists_at_most_a_dozen():
    keys = [(("job", f"j{i}"),) for i in range(15)]
    prompt = delete_groups(keys, "http://gw", lambda k: f"/metrics/job/{k[0][1]}")
    assert "Delete these 15 marked groups" in prompt.body
    assert 'job="j11"' in prompt.body and 'job="j12"' not in prompt.body
    assert "… and 3 more" in prompt.body
    assert prompt.confirm == "Delete 15 groups"


def test_family_prompts():
    ext = delete_family(GROUP, "f", "/api/v1/extensions/family/f/job@base64/YmFja3Vw")
    assert not ext.warning and "push_time_seconds stay as they are" in ext.body
    repush = repush_family(GROUP, "f", "/metrics/job@base64/YmFja3Vw")
    assert (
        repush.warning
        and "push_time_seconds to NOW" in repush.body
        and "PUT /metrics/job@base64/YmFja3Vw" in repush.body
    )
