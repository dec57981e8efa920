from ninja import Router

router = Router(tags=["reporting"])

bulletins_router = Router(tags=["bulletins"])
