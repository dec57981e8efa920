from ninja import Router

router = Router(tags=["analytics"])

evaluations_router = Router(tags=["evaluations"])
