"""The vocabulary (signering/route.py): roles in order, the route rules, and status changes
enforced on the models themselves."""

from __future__ import annotations

import pytest

from signering import route
from signering.models import Notice, Protocol, SignatureRequest
from signering.route import ProtocolStatus, RequestStatus, Role, RouteError, TransitionError


def test_roles_have_an_order_titles_and_read_back():
    assert [r.value for r in sorted(Role, key=lambda r: r.rank)] == ["sekreterare", "ordforande", "justerare"]
    assert Role.ORDFORANDE.title() == "Ordförande" and Role.ORDFORANDE.title("en") == "Chair"
    assert Role.from_title("Ordförande") is Role.ORDFORANDE and Role.from_title("e-sigill") is None
    assert Role.ORDFORANDE == "ordforande"  # the stored and JSON value is unchanged


@pytest.mark.parametrize("roles,ok", [
    (["sekreterare", "ordforande", "justerare"], True),
    (["sekreterare", "ordforande", "justerare", "justerare"], True),
    (["ordforande", "sekreterare", "justerare"], False),
    (["sekreterare", "ordforande"], False),
    (["sekreterare", "ordforande", "ledamot"], False),
])
def test_route_order(roles, ok):
    if ok:
        assert route.check_order(roles)[0] is Role.SEKRETERARE
    else:
        with pytest.raises(RouteError):
            route.check_order(roles)


def test_an_extract_is_certified_by_the_secretary_alone():
    assert route.check_order(["sekreterare"], secretary_alone=True) == (Role.SEKRETERARE,)
    with pytest.raises(RouteError):
        route.check_order(["sekreterare", "ordforande", "justerare"], secretary_alone=True)


def test_every_status_has_its_transitions_written_down():
    assert set(route.PROTOCOL_TRANSITIONS) == {None, *ProtocolStatus}
    assert set(route.REQUEST_TRANSITIONS) == {None, *RequestStatus}
    assert route.JUSTERAT == {"sealed", "posted", "archived"}


def test_models_refuse_a_status_change_the_workflow_does_not_allow():
    protocol = Protocol(status=ProtocolStatus.SIGNING)
    protocol.status = ProtocolStatus.SEALED
    protocol.status = ProtocolStatus.POSTED
    with pytest.raises(TransitionError):
        protocol.status = ProtocolStatus.SIGNING  # a posted protocol is never signed again
    request = SignatureRequest(status=RequestStatus.WAITING)
    with pytest.raises(TransitionError):
        request.status = RequestStatus.SIGNED  # not without its turn and a claim
    request.status = RequestStatus.ACTIVE
    request.status = RequestStatus.SIGNING
    request.status = RequestStatus.SIGNED
    with pytest.raises(TransitionError):
        request.status = RequestStatus.ACTIVE
    with pytest.raises(TransitionError):
        Protocol(status="justerad")  # not a status at all
    notice = Notice(status="posted")
    notice.status = "archived"
    with pytest.raises(TransitionError):
        notice.status = "posted"
