from django.urls import path

from ducha.boards import cascade_views as views

app_name = "cascade"
urlpatterns = [
    path("office/cascade/", views.office, name="office"),
    path("office/cascade/push/", views.push, name="push"),
    path("office/cascade/inbox/", views.inbox, name="inbox"),
    path("office/cascade/<int:pk>/accept/", views.accept, name="accept"),
]
