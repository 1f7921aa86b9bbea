"""Write translations/loop/zh/LC_MESSAGES/messages.po from the table below (the daily loop's words, issue 15)."""

from pathlib import Path

ZH = {
    "No street segment within %(m)d m; the nearest is %(street)s (%(d)d m away). "
    "Move the point onto the street, or confirm that the problem has no street.": (
        "%(m)d 米内没有街段；最近的是%(street)s（相距 %(d)d 米）。请把位置移到街上，或确认该问题不在任何街道上。"
    ),
    "Issue %(ref)s filed without a street: it waits in the review queue": (
        "事件 %(ref)s 已登记，但未关联街道：已进入待复核队列"
    ),
    "Issue %(ref)s filed: %(street)s %(segment)s, team %(team)s": (
        "事件 %(ref)s 已登记：%(street)s %(segment)s，街长团队 %(team)s"
    ),
    "none": "无",
    "no team": "无团队",
    "Goes to {street}, team {team} ({d} m from the point)": "将归入 {street}，街长团队 {team}（距该点 {d} 米）",
    "No street within {m} m: the nearest is {street}, {d} m away. Move the point or confirm below.": (
        "{m} 米内没有街段：最近的是{street}，相距 {d} 米。请移动位置，或在下方确认。"
    ),
    "No street segment within %(m)d m. The nearest is %(street)s (%(d)d m away). Move the point onto the street, "
    "or confirm that the problem has no street.": (
        "%(m)d 米内没有街段。最近的是%(street)s（相距 %(d)d 米）。请把位置移到街上，或确认该问题不在任何街道上。"
    ),
    "File it without a street (it waits in the review queue)": "不关联街道登记（进入待复核队列）",
    "Why has it no street?": "为什么不在街道上？",
    "The request could not be used": "请求有误",
    "Please log in": "请先登录",
    "Not allowed": "无权操作",
    "Not found": "未找到",
    "Someone else changed this meanwhile": "其他人刚刚修改了此事件",
    "Too large": "内容过大",
    "Not possible now": "当前状态下不能这样操作",
    "Too many requests": "请求过于频繁",
    "Something went wrong on our side": "系统出错了",
    "Location": "位置",
    "Category": "类别",
    "Description": "描述",
    "Version": "版本",
    "Reason": "原因",
    "Note": "说明",
    "Date": "日期",
    "Departments": "部门",
    "Satisfaction": "满意度",
    "The form had expired. Go back, reload the page and send it again.": "表单已过期，请返回、刷新页面后重新提交。",
    "This page or issue belongs to someone else’s work. Ask your team or the administrator if you need it.": (
        "此页面或事件不在您的工作范围内。如需处理，请联系您的团队或管理员。"
    ),
    "Check the address or the reference.": "请检查网址或事件编号。",
    "Reload the page to see the latest version, then try again.": "请刷新页面查看最新情况后再试。",
    "Home": "首页",
    "Street": "街道",
    "%(ref)s: %(step)s recorded": "%(ref)s：%(step)s 已记录",
    "Photos": "照片",
    "published": "已公开",
    "before": "整改前",
    "after": "整改后",
    "Steps": "办理进度",
    "Photos after the work": "整改后照片",
    "Photo after the work": "整改后照片",
    "What happens next: the street-chief team of this street handles it; you will be contacted for a follow-up "
    "(回访) when it is solved.": "接下来：由该街道的街长团队办理；解决后将对您进行回访。",
    "Track an issue": "查询事件",
    "Reference, e.g. DT-2020-00001": "事件编号，如 DT-2020-00001",
    "Unlinked": "待复核",
    "Unlinked issues": "未关联街道的事件",
    "These issues are farther from every street than the snap distance, so no team sees them. Move each to where "
    "the problem is; it then goes to that street’s team.": (
        "这些事件离所有街道都超过吸附距离，没有团队能看到。请把每件移到问题所在位置，它就会转给该街道的街长团队。"
    ),
    "Owner": "负责人",
    "Reference": "编号",
    "Reported at": "登记时间",
    "No issue waits for a street.": "没有待复核的事件。",
    "Move the point": "修改位置",
    "Give the right position; the issue is linked again to the nearest street segment and its team.": (
        "填写正确位置；事件将重新关联到最近的街段及其街长团队。"
    ),
    "Longitude": "经度",
    "Latitude": "纬度",
    "Move and link again": "移动并重新关联",
    "move the point": "修改位置",
    "return the dispatch": "退单",
    "press for action": "督办",
    "request a later date": "延期申请",
    "decide on the later date": "延期审批",
    "follow up with the resident": "回访",
    "reopen": "重新打开",
    "Report for duty": "报到",
    "We are on site": "确认到场",
    "Finished: send the result": "办结并反馈结果",
    "What was done (result)": "处置结果",
    "Not ours: return the dispatch": "不属本部门：退单",
    "Why it is not for this department": "退单原因",
    "Return (退单)": "退单",
    "returned": "已退单",
    "Returned": "退单",
    "Result": "处置结果",
    "Every department summoned has finished: the issue awaits your acceptance (待验收).": (
        "召集的部门均已办结：本事件待验收。"
    ),
    "%(n)d days overdue": "超期 %(n)d 天",
    "Awaiting acceptance": "待验收",
    "Returned ×%(n)d": "退单 ×%(n)d",
    "Pressed ×%(n)d": "督办 ×%(n)d",
    "To verify": "待核验",
    "Overdue": "超期",
    "Pressed": "督办",
    "Returned by a department": "部门退单",
    "Extension requests": "延期申请",
    "Follow up with the resident (回访)": "回访",
    "Is the resident satisfied?": "群众是否满意？",
    "Contacted by": "回访方式",
    "Note (required when not satisfied)": "说明（不满意时必填）",
    "Record the follow-up": "记录回访",
    "Reopen": "重新打开",
    "Reopen the issue": "重新打开事件",
    "Follow-ups (回访)": "回访记录",
    "satisfied": "满意",
    "basically satisfied": "基本满意",
    "not satisfied": "不满意",
    "phone call": "电话",
    "home visit": "上门",
    "WeChat": "微信",
    "text message": "短信",
    "other": "其他",
    "Record the follow-up with the resident (回访) before closing.": "办结前请先记录回访。",
    "Extension requested to %(d)s: %(r)s": "已申请延期至 %(d)s：%(r)s",
    "Approve the extension": "批准延期",
    "Refuse the extension": "不予延期",
    "Request a later date (延期申请)": "延期申请",
    "New date": "新日期",
    "Send the request": "提交申请",
    "Press for action (督办)": "督办",
    "Note to the team": "督办意见",
    "Press the team": "督办",
    "%(ref)s: acceptance check failed, the issue goes back to work": "%(ref)s：验收未通过，已退回处理",
    "%(ref)s: extension approved": "%(ref)s：已批准延期",
    "%(ref)s: extension refused": "%(ref)s：不予延期",
    "You resolved this issue, so someone else of the team must do the acceptance check.": (
        "此事件由您办结，须由团队中的其他人验收。"
    ),
    "The issue is overdue: a new date needs an extension request (延期申请) that a secretary decides.": (
        "此事件已超期：更改日期须提交延期申请，由书记审批。"
    ),
    # fixed words of field errors ("field: words"), translated after the field's label
    "is required": "必填",
    "a number is required": "需要一个数字",
    "must be a number": "必须是数字",
    "must be a finite number": "必须是有限的数字",
    "must be text": "必须是文字",
    "HTML or script is not allowed": "不允许 HTML 或脚本",
    "control characters are not allowed": "不允许控制字符",
    "cannot be in the future": "不能晚于现在",
    "a non-empty list of department codes is required": "请至少选择一个部门",
    "the location is outside the service area": "该位置不在服务区域内",
    "a date/time is required": "需要日期/时间",
    "must be true or false": "必须是“是”或“否”",
    "the issue's current version (a positive integer) is required": "缺少事件的当前版本号，请刷新页面",
    "must be on_site or team": "必须是“现场解决”或“团队解决”",
}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    out = [
        'msgid ""',
        'msgstr ""',
        '"Language: zh\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=utf-8\\n"',
        '"Plural-Forms: nplurals=1; plural=0;\\n"',
        "",
    ]
    for en, zh in ZH.items():
        flag = "#, python-format\n" if "%(" in en else ""
        out.append(f"{flag}msgid {_q(en)}\nmsgstr {_q(zh)}\n")
    path = Path(__file__).resolve().parents[1] / "translations/loop/zh/LC_MESSAGES/messages.po"
    path.write_text("\n".join(out), encoding="utf-8")


if __name__ == "__main__":
    main()
