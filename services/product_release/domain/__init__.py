"""Pure rules of product-release (出域审核与产品); no I/O, no framework imports.

- ``outputs``: sandbox outputs as plain tables (columns with roles, rows) and models;
- ``settings``: the jurisdiction settings of the automated checks (EXP-2);
- ``table_checks``, ``model_checks``, ``differencing``, ``identifiers``: the checks
  (``differencing`` defines the ``NestingFinder`` port; ``ExactNesting`` is the reference);
- ``check_report``: ``run_checks`` and the report with its content hash;
- ``export_request``: the export request state machine (EXP-1, EXP-2, EXP-6, REQ-6);
- ``product``, ``certificate``, ``product_list``: product versions, circulation
  certificates (EXP-3), re-development (EXP-4), the published list (EXP-5);
- ``noise``: optional Laplace noise on counts behind the ``CountNoise`` port;
- ``staged_output``: a staged output under the developer's declared roles, checked.

Events are the contract events of ``contracts.events.product_release``.
"""
