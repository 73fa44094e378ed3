"""The store pane lists client sessions (`X-Mocktui-Session`) under the records, read through the Backend; the
shared records it shows stay the seeded ones."""

from __future__ import annotations

from textual.widgets import Static

from mocktui.ui.remote import RemoteBackend
from mocktui.ui.store import SESSIONS_SHOWN, sessions_text

from .harness import API, open_store, running, wait_for


async def test_the_store_pane_lists_sessions_once_there_are_some() -> None:
    async with running(size=(120, 40)) as (app, pilot, client):
        await open_store(app, pilot)
        box = app.store_pane.query_one("#sessions", Static)
        assert box.display is False  # no session yet: the pane looks as it always did
        for session in ("ci-1", "ci-2"):
            response = await client.post(
                f"{API}/users",
                json={"email": f"{session}@example.com", "firstName": "S", "lastName": "T"},
                headers={"X-Mocktui-Session": session},
            )
            assert response.status_code == 201
        await client.get(f"{API}/users/1", headers={"X-Mocktui-Session": "ci-1"})
        await wait_for(lambda: box.display is True and "ci-2" in str(box.render()), pilot)
        text = str(box.render())
        assert "Sessions 2" in text
        line = next(line for line in text.splitlines() if "ci-1" in line)
        assert "2 requests" in line and "1 records" in line
        assert app.store_pane.info is not None and app.store_pane.info.collections["users"] == 5  # the shared view
        remote = RemoteBackend(str(client.base_url))  # attach's backend reads the same verb over the admin API
        try:
            local = await app.store_pane.backend.sessions()
            assert [s["id"] for s in await remote.sessions()] == [s["id"] for s in local] == ["ci-1", "ci-2"]
        finally:
            await remote.stop()


def test_many_sessions_are_counted_not_listed() -> None:
    sessions = [{"id": f"s{i}", "requests": i, "records": 0, "last_seen": None, "overrides": []} for i in range(8)]
    text = sessions_text(sessions)
    assert text.count(" requests ") == SESSIONS_SHOWN
    assert text.endswith(f"and {8 - SESSIONS_SHOWN} more")
    assert "overrides" not in text
    assert "overrides: getUser" in sessions_text([{**sessions[0], "overrides": ["getUser"]}])
