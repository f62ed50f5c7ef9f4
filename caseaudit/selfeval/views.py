from django.http import HttpRequest, HttpResponse


def selfeval_index(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError  # replaced by the self-evaluation pack's views
