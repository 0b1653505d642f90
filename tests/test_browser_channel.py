"""The live channel on the real server, in Chromium: a page's token opens its own session's channel only (another
browser presenting it is refused), a dropped channel is opened again and the frames go on, and a closed tab's
channel ends."""

import json

import pytest

from playground.ui.live_channel import CLOSE_UNKNOWN, ROUTE_PATH
from tests.test_browser_component import FRAMES_JS, open_component, play

pytestmark = pytest.mark.slow

# Open a websocket from the page and report its first message (or its close code).
TRY_CHANNEL_JS = """(url) => new Promise(resolve => {
  const ws = new WebSocket(url);
  const timer = setTimeout(() => { ws.close(); resolve({timeout: true}); }, 15000);
  ws.onmessage = event => { clearTimeout(timer); ws.close(); resolve({message: event.data}); };
  ws.onclose = event => { clearTimeout(timer); resolve({code: event.code}); };
})"""


def channel_urls(page) -> list[str]:
    urls = []
    page.on("websocket", lambda ws: urls.append(ws.url) if ROUTE_PATH in ws.url else None)
    return urls


def wait_for_channel(page, urls: list[str], count: int = 1) -> None:
    for _ in range(100):
        if len(urls) >= count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the component opened {len(urls)} live channels, not {count}")


def test_a_pages_token_opens_its_own_channel_and_no_other_browsers(browser, app_url):
    first_context = browser.new_context(viewport={"width": 1366, "height": 768})
    second_context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        first, second = first_context.new_page(), second_context.new_page()
        first_urls = channel_urls(first)
        open_component(first, app_url, "dataset=xor&seed=4&epochs=100000")
        open_component(second, app_url, "dataset=circle&seed=5&epochs=100000")
        wait_for_channel(first, first_urls)
        stolen = first_urls[0]
        # Another browser (its own XSRF cookie) presenting the first page's token: refused.
        assert second.evaluate(TRY_CHANNEL_JS, stolen) == {"code": CLOSE_UNKNOWN}
        # A made-up token, or the token's page with a job id instead: refused.
        base = stolen.split("?")[0]
        assert first.evaluate(TRY_CHANNEL_JS, f"{base}?token=not-a-token") == {"code": CLOSE_UNKNOWN}
        # The first browser itself gets its own run's frame.
        answer = first.evaluate(TRY_CHANNEL_JS, stolen)
        message = json.loads(answer["message"])
        assert message["scene_id"] and message["job_id"]
        assert second.evaluate(TRY_CHANNEL_JS, f"{base}?token={message['job_id']}") == {"code": CLOSE_UNKNOWN}
    finally:
        first_context.close()
        second_context.close()


def test_a_dropped_channel_is_opened_again_and_the_frames_go_on(page, app_url):
    urls = channel_urls(page)
    state = {"dropped": 0}

    def drop_once(route):
        server = route.connect_to_server()
        if state["dropped"] == 0:
            state["dropped"] = 1

            def forward(message):
                route.send(message)
                if state["dropped"] == 1:  # the first message through, then the network drops the channel
                    state["dropped"] = 2
                    route.close(code=1001, reason="dropped by the test")
                    server.close()

            server.on_message(forward)

    page.route_web_socket(f"**{ROUTE_PATH}*", drop_once)
    open_component(page, app_url, "dataset=xor&seed=6&epochs=100000")
    play(page)
    # The component opens the channel again, and frames keep arriving over it while the run trains.
    page.wait_for_function(f"() => ({FRAMES_JS})() >= 20", timeout=60_000)
    assert state["dropped"] == 2 and len(urls) >= 2


def test_a_closed_tabs_channel_ends(browser, app_url):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    urls = channel_urls(page)
    open_component(page, app_url, "dataset=xor&seed=7&epochs=100000")
    wait_for_channel(page, urls)
    cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
    other = context.new_page()
    other.goto(f"{app_url}/_stcore/health")
    page.close()  # the session loses its browser: the token dies with it
    # The same browser (same cookie) may not use the closed tab's token once its session is gone (after
    # Streamlit's grace period for reconnecting, the channel reports the end; the token is then forgotten).
    assert cookies.get("_streamlit_xsrf")
    answer = None
    for _ in range(40):
        answer = other.evaluate(TRY_CHANNEL_JS, urls[0])
        if answer.get("code") in (4410, CLOSE_UNKNOWN):
            break
        other.wait_for_timeout(500)
    assert answer.get("code") in (4410, CLOSE_UNKNOWN), answer
    context.close()
