from django.urls import path

from ducha.supervision import views

app_name = "supervision"
urlpatterns = [
    path("notices/", views.notice_list, name="notices"),
    path("notices/new/", views.notice_new, name="notice_new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("notices/<int:pk>/issue/", views.notice_issue, name="notice_issue"),
    path("notices/<int:pk>/answer/", views.notice_answer, name="answer"),
    path("notices/<int:pk>/accept/", views.notice_accept, name="notice_accept"),
    path("notices/<int:pk>/return/", views.notice_return, name="notice_return"),
    path("notices/<int:pk>/notice.docx", views.notice_docx, name="notice_docx"),
    path("notices/<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("notices/files/<int:pk>/", views.answer_file, name="answer_file"),
    path("office/ladder/", views.proposals, name="proposals"),
    path("office/ladder/<int:pk>/confirm/", views.proposal_confirm, name="proposal_confirm"),
    path("office/ladder/<int:pk>/dismiss/", views.proposal_dismiss, name="proposal_dismiss"),
    path("office/ladder/rules/", views.rules, name="rules"),
    path("office/interviews/", views.interviews, name="interviews"),
]
