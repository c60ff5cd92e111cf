"""kefu's HTTP services (sanic app factories): the NLG service that renders and guards responses."""
