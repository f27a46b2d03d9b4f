from django.urls import path

from ducha.notify import views

app_name = "notify"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.mark_read, name="mark_read"),
    path("inbox/quiet-hours/", views.quiet_hours, name="quiet_hours"),
    path("office/channels/", views.channels, name="channels"),
    path("office/channels/<int:pk>/", views.unit_channels, name="unit_channels"),
    path("office/deliveries/", views.deliveries, name="deliveries"),
]
