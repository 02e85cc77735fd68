"""What one portal request costs: how often it plans the routing and how many transactions it
opens, through a whole change-of-address journey, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tellonce.bootstrap import Hub
from tellonce.domain import routing
from tellonce.entrypoints.asgi import create_app
from tellonce.service_layer import reporting
from tellonce.service_layer.catalogue import load_catalogue
from tellonce.service_layer.ports import UnitOfWork
from tests.support.portal import Portal, demo_catalogue, move_answers, walk


@dataclass
class Costs:
    plans: int = 0
    transactions: int = 0
    by_request: dict[str, tuple[int, int]] = field(default_factory=dict)


class _Counted:
    """A unit of work that counts each transaction it opens."""

    def __init__(self, inner: UnitOfWork, costs: Costs) -> None:
        self._inner = inner
        self._costs = costs

    def __enter__(self) -> Any:
        self._costs.transactions += 1
        return self._inner.__enter__()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> Any:
        return self._inner.__exit__(kind, error, traceback)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass
class MeteredPortal(Portal):
    costs: Costs = field(default_factory=Costs)

    def _metered(self, method: str, path: str, call: Any) -> Any:
        self.costs.plans = self.costs.transactions = 0
        response = call()
        key = f"{method} {path}"
        while key in self.costs.by_request:
            key += "'"
        self.costs.by_request[key] = (self.costs.plans, self.costs.transactions)
        return response

    def get(self, path: str) -> Any:
        return self._metered("GET", path, lambda: super(MeteredPortal, self).get(path))

    def post(self, path: str, data: Mapping[str, str | list[str]] | None = None) -> Any:
        return self._metered("POST", path, lambda: super(MeteredPortal, self).post(path, data))


@pytest.fixture
def metered(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> Iterator[MeteredPortal]:
    load_catalogue(demo_catalogue(), uow=hub.uow(), clock=hub.clock)
    costs = Costs()
    plan_routes = routing.plan_routes  # what reporting calls, counted below

    def counted_plan(*args: Any, **kwargs: Any) -> Any:
        costs.plans += 1
        return plan_routes(*args, **kwargs)

    unit_of_work = hub.uow
    monkeypatch.setattr(reporting, "plan_routes", counted_plan)
    monkeypatch.setattr(hub, "uow", lambda: _Counted(unit_of_work(), costs))
    with TestClient(create_app(hub), follow_redirects=False) as client:
        yield MeteredPortal(client, costs=costs)


def test_each_request_plans_the_routing_at_most_once_per_draft(
    metered: MeteredPortal, hub: Hub
) -> None:
    metered.sign_in()
    preview = walk(metered, metered.start("change-of-address"), move_answers(hub))
    digest = re.search(r'name="digest" value="([^"]+)"', preview.text)
    assert digest
    metered.post("/report/preview", {"digest": digest.group(1), "consent": []})
    metered.get("/report/check-answers")
    response = metered.post("/report/check-answers")
    assert response.headers["location"].endswith("/confirmation")

    costs = metered.costs.by_request
    print("\nrequest: plans, transactions")
    for request, (plans, transactions) in costs.items():
        print(f"  {request}: {plans}, {transactions}")
    totals = Counter[str]()
    for plans, transactions in costs.values():
        totals["plans"] += plans
        totals["transactions"] += transactions
    print(f"  whole journey: {totals['plans']}, {totals['transactions']}")
    # Before the journey became a dependency (issue 11): 2, 3, 2, 2, 3, 2 plans and 4, 6, 4,
    # 5, 5, 7 transactions; 15 plans and 76 transactions in all.
    assert {request: plans for request, (plans, _) in costs.items() if plans} == {
        "POST /report/change-of-address/contact": 1,  # where next: the routing questions
        "GET /report/questions": 1,
        "POST /report/questions": 2,  # before and after the answers
        "GET /report/preview": 1,
        "POST /report/preview": 1,
        "GET /report/check-answers": 2,  # the answers', and the checkbox page's (no answers)
        "POST /report/check-answers": 2,  # the page's, and the one sending plans in its commit
    }
    assert costs["GET /report/preview"][1] <= 3  # signed in, the draft, the plan
    assert costs["POST /report/preview"][1] <= 4  # ... and saving the consent choices
    assert totals["transactions"] <= 71
