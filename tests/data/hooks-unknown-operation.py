from mocktui.hooks import on


@on(operation="listPets")
def pets(request: object) -> None:
    return None


@on("FETCH", "/orders")
def orders(request: object) -> None:
    return None
