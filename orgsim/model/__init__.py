"""The model: one module per department, in the order a lead meets them.

The value chain, and where each handoff happens (every department receives work through one
verb, ``accept``; `company` wires them):

1. `marketing` - sources create leads; scoring (or a marketer's review) makes MQLs.
2. `sdr` - qualification makes SQLs (`SDR.accept`); outbound meetings are SQLs already.
3. `sales` - an SQL becomes an opportunity (`Sales.accept`), is routed to an AE (`routing`) and
   decided; `presales` does the SE work of deals that need it and enables the AEs.
4. `delivery` - lead to cash: a won deal becomes an account and goes live (`Delivery.accept`).
5. `success` - the account's life: care, health, expansion, renewal or churn (`Success.accept`).

Beside them: `product` (maturity), `finance` (the ledger), `workforce` (hiring, ramp,
attrition) over `pools` (people and their task queues) and `stages` (what each stage did);
`entities` (lead, opportunity, onboarding, account, task), `clock` (SimPy's event protocol,
the calendar, joins) and `trace` (the event log).
"""
