"""Every test runs offline: a connection to anything but this machine is refused by the suite
itself (pytest-socket, configured in pyproject.toml), so no connector can reach a real platform."""
import socket

import httpx
import pytest
from pytest_socket import SocketConnectBlockedError

pytestmark = pytest.mark.filterwarnings("ignore:A test tried to use socket:UserWarning")


@pytest.mark.parametrize("address", [("192.0.2.1", 443), ("2001:db8::1", 443)])
def test_a_connection_off_this_machine_is_refused(address):
    family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with pytest.raises(SocketConnectBlockedError):
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.connect(address)


def test_an_http_client_cannot_reach_a_real_platform():
    with pytest.raises(SocketConnectBlockedError):
        httpx.get("https://192.0.2.1/2/users/me", timeout=1)
