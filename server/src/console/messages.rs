//! The catalogue: every label of the console in Chinese and English, side by side. Codes the
//! domain uses (categories, roles, review states, evidence reasons) are looked up here too, so a
//! page never shows a raw code where a word belongs.

macro_rules! catalogue {
    ($($key:ident: $zh:literal, $en:literal;)*) => {
        /// Every label, in one language.
        #[derive(Debug)]
        pub struct Msgs {
            $(
                #[doc = $en]
                pub $key: &'static str,
            )*
        }

        /// Chinese.
        pub static ZH: Msgs = Msgs { $($key: $zh,)* };
        /// English.
        pub static EN: Msgs = Msgs { $($key: $en,)* };

        impl Msgs {
            /// Every label (for the test that none is empty).
            pub fn all(&self) -> Vec<&'static str> {
                vec![$(self.$key,)*]
            }
        }
    };
}

catalogue! {
    product: "FieldVisit 入户走访", "FieldVisit";
    skip_to_content: "跳到正文", "Skip to content";
    main_nav: "主导航", "Main navigation";
    lang_switch: "English", "中文";
    lang_switch_label: "切换语言", "Switch language";
    signed_in_as: "当前用户", "Signed in as";
    sign_in: "登录", "Sign in";
    sign_in_title: "登录 FieldVisit", "Sign in to FieldVisit";
    sign_in_intro: "社工站入户走访的督导、审核与管理", "Supervision, review and administration of social-work home visits";
    sign_out: "退出登录", "Sign out";
    login_name: "账号", "Login";
    password: "密码", "Password";
    account: "我的账号", "My account";
    change_password: "修改密码", "Change password";
    current_password: "当前密码", "Current password";
    new_password: "新密码", "New password";
    new_password_again: "再次输入新密码", "New password again";
    password_hint: "至少 10 个字符。修改后所有会话都会退出，需要重新登录。", "At least 10 characters. Every session ends after the change; sign in again.";
    must_change_password: "管理员为您设置了密码，请先修改密码。", "An administrator set your password: change it before going on.";
    passwords_differ: "两次输入的新密码不一致", "The two new passwords differ";
    password_changed: "密码已修改，请用新密码登录。", "Password changed; sign in with the new one.";
    signed_out: "已退出登录。", "Signed out.";
    session_expired: "请先登录。", "Please sign in.";
    save: "保存", "Save";
    cancel: "取消", "Cancel";
    apply: "应用", "Apply";
    download: "下载", "Download";
    back: "返回", "Back";
    yes: "是", "Yes";
    no: "否", "No";
    none: "无", "None";
    all: "全部", "All";
    unknown: "未知", "Unknown";
    actions: "操作", "Actions";
    details: "详情", "Details";
    page_of: "页", "page";
    previous_page: "上一页", "Previous";
    next_page: "下一页", "Next";
    rows_total: "共", "Total";
    rows_unit: "条", "rows";
    nothing_here: "没有记录。", "Nothing here.";
    error_title: "无法完成", "Could not be done";
    error_not_found: "找不到该页面或记录，或不在您的管辖范围内。", "Not found, or outside your branch.";
    error_forbidden: "您的角色不能进行此操作。", "Your role may not do this.";
    error_csrf: "表单已失效，请返回刷新后重试。", "The form has expired; go back, reload and try again.";
    error_internal: "服务器出错，请稍后再试。错误已记录。", "The server failed; try again later. The error was logged.";
    error_invalid: "输入有误：", "Invalid input: ";
    error_code: "错误代码", "Error code";
    wrong_credentials: "账号或密码错误。", "Wrong login or password.";
    account_locked: "登录失败次数过多，账号暂时锁定，请稍后再试。", "Too many failed sign-ins; the account is locked for a while.";
    account_disabled: "该账号已停用，请联系管理员。", "This account is disabled; ask an administrator.";
    wrong_password: "当前密码错误。", "The current password is wrong.";
    weak_password: "密码至少需要 10 个字符。", "The password needs at least 10 characters.";
    same_password: "新密码不能与当前密码相同。", "Choose a password different from the current one.";
    home: "首页", "Home";
    worker_home: "驻站社工请使用手机应用录入和上传走访。本页面供督导、审核与管理人员使用。", "Station workers record and upload visits with the phone app. These pages are for supervisors, reviewers and administrators.";
    nav_coverage: "走访覆盖", "Coverage";
    nav_overdue: "逾期清单", "Overdue";
    nav_evidence: "走访证据", "Evidence";
    nav_reviews: "监护评估审核", "Reviews";
    nav_staff: "人员", "Staff";
    nav_devices: "设备", "Devices";
    nav_import: "住户导入", "Import";
    nav_keys: "受众密钥", "Audience keys";
    nav_schedules: "走访周期", "Schedules";
    nav_parameters: "县级参数与模板", "Parameters & templates";
    nav_audit: "审计日志", "Audit log";
    role_worker: "驻站社工", "Worker";
    role_supervisor: "督导（站长/民政）", "Supervisor";
    role_child_welfare_reviewer: "儿童督导员", "Child-welfare reviewer";
    role_admin: "管理员", "Administrator";
    level_province: "省", "Province";
    level_city: "市", "City";
    level_county: "县(区)", "County";
    level_township: "乡镇(街道)", "Township";
    level_village: "村(社区)", "Village";
    unit: "单位", "Unit";
    worker: "社工", "Worker";
    no_worker: "未分配", "Unassigned";
    village: "村(社区)", "Village";
    household: "住户", "Household";
    households: "住户", "Households";
    category: "类别", "Category";
    all_categories: "全部类别", "All categories";
    coverage_title: "走访覆盖情况", "Visit coverage";
    period: "统计期间", "Period";
    period_month: "月", "Month";
    period_quarter: "季度", "Quarter";
    period_custom: "自定义", "Custom";
    from: "起", "From";
    to: "止", "To";
    filters: "筛选", "Filters";
    tile_due: "应访", "Due";
    tile_on_time: "按时", "On time";
    tile_late: "迟访", "Late";
    tile_missed: "漏访", "Missed";
    tile_pending: "待访", "Pending";
    tile_overdue_now: "当前逾期", "Overdue now";
    tile_on_time_pct: "按时率", "On-time %";
    tile_visited_pct: "走访率", "Visited %";
    tiles_caption: "本期汇总", "This period";
    by_child_unit: "下级单位", "By unit below";
    by_worker: "按社工", "By worker";
    by_category: "按类别", "By category";
    trend_title: "近 12 个月按时率", "On-time % over the last 12 months";
    trend_month: "月份", "Month";
    chart_as_table: "图表数据", "Chart data";
    drill_down: "查看下级", "Drill down";
    households_behind: "对应住户", "Households behind this number";
    overdue_title: "逾期未访住户", "Overdue households";
    overdue_top: "逾期最久的住户", "Most overdue";
    see_all_overdue: "查看全部逾期", "See all overdue";
    due_date: "应访日期", "Due date";
    days_overdue: "逾期天数", "Days overdue";
    next_due: "下次应访", "Next due";
    head_name: "户主/对象", "Head of household";
    id_number: "身份证号", "ID number";
    address: "地址", "Address";
    briefing: "工作简报", "Briefing";
    briefing_hint: "下载与本页筛选条件一致的表格。", "Tables for exactly the filter on this page.";
    status: "状态", "Status";
    evidence_title: "走访证据与可疑走访", "Visit evidence and suspicious visits";
    ev_visits: "走访次数", "Visits";
    ev_with_fix: "有定位", "With GPS fix";
    ev_within: "距住址在范围内", "Within distance of home";
    ev_within_pct: "范围内比例", "Within distance %";
    ev_accurate: "定位精度合格", "Accurate fix";
    ev_long_enough: "时长足够", "Long enough";
    ev_with_photos: "有照片", "With photos";
    ev_median_minutes: "时长中位数（分钟）", "Median minutes";
    ev_suspicious: "可疑走访", "Suspicious visits";
    reasons: "疑点", "Flags";
    reason_far: "距住址过远", "Far from home";
    reason_mock_location: "模拟定位", "Mock location";
    reason_short: "走访过短", "Short visit";
    reason_photo_outside_window: "照片不在走访时段内", "Photo taken outside the visit";
    reason_overlapping: "同一社工同时段多次走访", "Visits at the same time";
    reason_no_fix: "无定位", "No GPS fix";
    reason_low_accuracy: "定位精度低", "Low fix accuracy";
    reason_stale_fix: "定位过旧", "Stale fix";
    reason_chain_fork: "设备记录链分叉", "Device chain fork";
    reason_chain_gap: "设备记录链缺失", "Device chain gap";
    started_at: "开始时间", "Started";
    ended_at: "结束时间", "Ended";
    minutes: "分钟", "Minutes";
    distance_m: "距离（米）", "Distance (m)";
    visit_title: "走访记录", "Visit";
    visit_metadata_note: "此处只显示走访的公开元数据；走访内容已加密，只有有权的受众才能查看。", "Only the visit's clear metadata is shown here; its content is encrypted for its audiences.";
    visit_id: "走访编号", "Visit id";
    template: "表单", "Checklist";
    template_version: "表单版本", "Version";
    device: "设备", "Device";
    chain: "记录链", "Chain";
    chain_ok: "完整", "Intact";
    chain_gap: "缺失", "Gap";
    chain_fork: "分叉", "Fork";
    gps_fix: "定位", "GPS fix";
    accuracy_m: "精度（米）", "Accuracy (m)";
    fix_age: "定位时间差（秒）", "Fix age (s)";
    mock_flag: "模拟定位标记", "Mock-location flag";
    photos: "照片", "Photos";
    photo_count: "照片数", "Photos";
    captured_at: "拍摄时间", "Taken at";
    received_at: "上传时间", "Received";
    level: "风险等级", "Level";
    reported_to_police: "已报警", "Reported to police";
    map_title: "定位与登记住址", "Fix and registered home";
    map_fix: "走访定位", "Visit fix";
    map_home: "登记住址", "Registered home";
    map_distance: "距离 {m} 米", "{m} m apart";
    map_no_tiles: "未配置地图底图：按比例显示两点位置与距离。", "No map tiles configured: the two points and their distance, to scale.";
    map_no_fix: "本次走访没有定位。", "This visit has no GPS fix.";
    map_no_home: "该住户没有登记住址坐标。", "This household has no registered location.";
    north: "北", "N";
    reviews_title: "监护评估审核队列", "Guardianship assessment reviews";
    review_title: "监护评估", "Guardianship assessment";
    township: "乡镇(街道)", "Township";
    all_townships: "全部乡镇", "All townships";
    sla: "审核时限", "Review due";
    time_left: "剩余", "left";
    overdue_by: "已超时", "overdue by";
    hours: "小时", "h";
    days: "天", "days";
    submitted_at: "提交时间", "Submitted";
    age: "等待", "Waiting";
    reviewer: "审核人", "Reviewer";
    state_submitted: "待审核", "Submitted";
    state_urgent: "紧急", "Urgent";
    state_in_review: "审核中", "In review";
    state_returned: "已退回", "Returned";
    state_confirmed: "已确认", "Confirmed";
    state_escalated: "已上报", "Escalated";
    state_closed: "已结案", "Closed";
    urgent_police: "社工已报警", "Reported to police by the worker";
    key_title: "儿童福利密钥", "Child-welfare key";
    key_locked: "密钥未解锁：解锁后才能查看评估内容和照片。", "The key is locked: unlock it to read assessments and photos.";
    key_unlocked_until: "密钥已解锁，仅限本次登录，到期时间", "The key is unlocked for this session until";
    passphrase: "密钥口令", "Passphrase";
    unlock: "解锁", "Unlock";
    lock: "锁定", "Lock";
    key_unlocked: "密钥已解锁。", "Key unlocked.";
    key_locked_now: "密钥已锁定。", "Key locked.";
    wrong_passphrase: "口令错误。", "Wrong passphrase.";
    unlock_throttled: "口令错误次数过多，请稍后再试。", "Too many wrong passphrases; try again later.";
    no_key: "您所在单位还没有儿童福利密钥。", "Your branch has no child-welfare key yet.";
    answers: "回答", "Answers";
    computed: "计算结果", "Computed values";
    scores: "评分", "Scores";
    fired_rules: "触发的规则", "Rules that fired";
    computed_level: "计算等级", "Computed level";
    final_level: "最终等级", "Level in force";
    override_reason: "调整理由", "Override reason";
    investigators: "调查人", "Investigators";
    notes: "备注", "Notes";
    not_answered: "未回答", "Not answered";
    instance: "第 {n} 项", "Item {n}";
    restricted_photo: "受限照片（伤情证据）", "Restricted photo (injury evidence)";
    reveal_photo: "查看受限照片（将记入审计日志）", "Reveal the restricted photo (audited)";
    photo_pending: "照片尚未上传完成", "Photo not yet uploaded";
    decision: "审核决定", "Decision";
    decide_start: "开始审核", "Start review";
    decide_confirm: "确认评估", "Confirm";
    decide_return: "退回社工", "Return to worker";
    decide_escalate: "上报", "Escalate";
    decide_close: "结案", "Close";
    comment: "意见（社工将看到）", "Comment (the worker sees it)";
    reason: "理由", "Reason";
    escalation: "上报方向", "Escalation";
    esc_police_report: "报警（立即危险或疑似侵害）", "Police report (immediate danger or suspected abuse)";
    esc_temporary_guardianship: "临时监护", "Temporary state guardianship";
    esc_guardianship_intervention: "监护干预", "Guardianship intervention";
    esc_long_term_guardianship: "长期监护", "Long-term state guardianship";
    history: "处理记录", "History";
    decided: "已记录审核决定。", "Decision recorded.";
    invalid_transition: "该评估的状态已变化，不能执行此操作，请刷新。", "The review changed meanwhile or cannot take this decision; reload.";
    reason_required: "此操作需要填写理由。", "This decision needs a reason.";
    household_title: "住户档案", "Household";
    registered_on: "登记日期", "Registered";
    schedule: "走访周期", "Schedule";
    visits: "走访记录", "Visits";
    visit_timeline: "走访时间线", "Visit timeline";
    open_assessment: "查看评估", "Open assessment";
    staff_title: "人员账号", "Staff accounts";
    add_staff: "新增账号", "Add an account";
    display_name: "姓名", "Name";
    role: "角色", "Role";
    branch: "管辖单位", "Branch";
    account_state: "账号状态", "Account";
    state_active: "正常", "Active";
    state_disabled: "已停用", "Disabled";
    state_locked: "已锁定", "Locked";
    state_must_change: "待改密码", "Must change password";
    disable: "停用", "Disable";
    enable: "启用", "Enable";
    reset_password: "重置密码", "Reset password";
    reset_password_hint: "设置临时密码，对方下次登录时必须修改。", "Set a temporary password its owner must change at the next sign-in.";
    change_role: "修改角色或单位", "Change role or branch";
    account_saved: "已保存，该账号的所有会话已退出。", "Saved; every session of the account has ended.";
    account_added: "账号已创建。", "Account created.";
    devices_title: "设备", "Devices";
    enroll_phone: "登记新手机", "Enroll a phone";
    enroll_hint: "为社工生成一次性登记码，手机扫描二维码或输入登记码完成登记。", "Make a one-time code for a worker; the phone scans the QR code or types it.";
    make_code: "生成登记码", "Make a code";
    enrollment_code: "登记码", "Enrollment code";
    expires_at: "有效期至", "Expires";
    enrolled_at: "登记时间", "Enrolled";
    revoked_at: "吊销时间", "Revoked";
    device_label: "型号", "Model";
    revoke: "吊销", "Revoke";
    revoke_warning: "吊销后该手机立即不能同步；它下次连接服务器时，手机上尚未上传的草稿将被清除（服务器无法知道有多少），已封存但未上传的走访保留，只有其受众能打开。", "A revoked phone syncs no more; at its next contact with the server, unsent drafts on it will be erased (how many, the server cannot know); sealed visits it could not send stay, readable only by their audiences.";
    revoked: "设备已吊销。", "Device revoked.";
    active: "使用中", "Active";
    import_title: "导入住户", "Import households";
    import_hint: "上传 UTF-8 编码的 CSV 文件，第一行为表头。全部行通过检查才会导入；住户变更村(社区)需使用迁移功能。", "Upload a UTF-8 CSV file with a header line. All rows are imported or none; moving a household to another village is a separate operation.";
    csv_file: "CSV 文件", "CSV file";
    columns: "列", "Columns";
    import: "导入", "Import";
    imported: "已导入住户：", "Households imported: ";
    row_errors: "以下行有错误，未导入任何数据：", "These rows have errors; nothing was imported:";
    line: "行", "Line";
    column: "列", "Column";
    problem: "问题", "Problem";
    keys_title: "受众密钥", "Audience keys";
    keys_hint: "受众密钥属于县级单位。手机用公钥加密走访内容，只有持有口令的审核人员能解密。", "Audience keys belong to counties. Phones encrypt content to the public key; only reviewers with the passphrase can decrypt it.";
    audience: "受众", "Audience";
    aud_child_welfare: "儿童福利", "Child welfare";
    aud_civil_affairs: "民政", "Civil affairs";
    public_key: "公钥", "Public key";
    created_by: "创建人", "Created by";
    created_at: "创建时间", "Created";
    create_key: "创建密钥", "Create a key";
    passphrase_hint: "至少 12 个字符，务必妥善保管：口令丢失后无法解密。", "At least 12 characters; keep it safe: a lost passphrase cannot be recovered.";
    key_created: "密钥已创建。", "Key created.";
    generation: "代次", "Generation";
    key_history: "创建与轮换记录", "Creations and rotations";
    key_event: "事件", "Event";
    key_event_created: "创建", "Created";
    key_event_rotated: "轮换", "Rotated";
    key_actor: "操作人", "By";
    key_when: "时间", "When";
    key_retired_at: "停用时间", "Retired";
    key_current: "当前使用", "Current";
    rotate_key: "轮换密钥", "Rotate the key";
    rotate_hint: "轮换后手机改用新公钥加密；旧密钥改用新口令保存，轮换前的走访仍可解密。", "After a rotation phones encrypt to the new public key; the earlier keys are re-sealed under the new passphrase, so visits from before stay readable.";
    current_passphrase: "当前口令", "Current passphrase";
    new_passphrase: "新口令", "New passphrase";
    new_passphrase_again: "再次输入新口令", "New passphrase again";
    passphrases_differ: "两次输入的新口令不一致。", "The new passphrases differ.";
    rotate_confirm: "轮换后审核人员须用新口令解锁，旧口令不再有效。确定轮换？", "Reviewers will unlock with the new passphrase; the old one stops working. Rotate the key?";
    key_rotated: "密钥已轮换。", "Key rotated.";
    county: "县(区)", "County";
    schedules_title: "走访周期", "Visit schedules";
    schedules_hint: "各县可按类别设置走访周期，未设置的类别使用默认周期。", "Each county may set its own schedule per category; categories it does not list keep the defaults.";
    schedule_json: "周期设置（JSON）", "Schedule (JSON)";
    schedule_saved: "周期已保存。", "Schedule saved.";
    schedule_cleared: "已恢复默认周期。", "Back to the defaults.";
    clear_schedule: "恢复默认", "Back to defaults";
    default_schedule: "默认", "Default";
    interval: "间隔", "Interval";
    parameters_title: "县级参数与模板", "County parameters and templates";
    parameters_hint: "低保标准与核查阈值随下次同步下发到本县手机；模板发布后，手机在下次同步时收到新版本，已开始的走访仍按原版本完成。", "Low-income standards and evidence thresholds reach the county's phones with their next sync; a published template reaches them the same way, and visits already started finish on their own version.";
    parameters_saved: "参数已保存。", "Parameters saved.";
    template_published: "模板已发布。", "Template published.";
    low_income_standard: "低保标准", "Low-income standard";
    no_standard: "尚未设置：手机不作收入比对。", "Not set: phones do not compare income.";
    year: "年度", "Year";
    yuan_per_person_month: "元/人/月", "Yuan per person per month";
    remove: "删除", "Remove";
    evidence_thresholds: "核查阈值", "Evidence thresholds";
    max_distance_m: "距登记住址最远（米）", "Farthest from home (m)";
    min_visit_minutes: "最短走访（分钟）", "Shortest visit (minutes)";
    templates_title: "检查表模板", "Checklist templates";
    version: "版本", "Version";
    origin: "来源", "Origin";
    published_on: "发布日期", "Published";
    in_use: "使用中", "In use";
    built_in: "内置", "Built in";
    publish_template_hint: "发布本县模板或新版本（模板 JSON，版本号须大于已发布的版本）", "Publish a county template or a new version (template JSON; its version above every one issued)";
    publish_template: "发布", "Publish";
    my_sessions: "我的登录会话", "My sessions";
    my_sessions_hint: "在别处（如他人的电脑）登录后忘记退出时，可在此结束该会话。会话闲置 30 分钟或登录 8 小时后自动结束。", "End a session left signed in elsewhere (someone else's computer, say). Sessions also end after 30 minutes unused or 8 hours after sign-in.";
    last_used: "最近使用", "Last used";
    ends_at: "最迟结束", "Ends at the latest";
    this_session: "当前会话", "This session";
    end_session: "结束会话", "End session";
    session_ended: "会话已结束。", "Session ended.";
    nav_alerts: "告警推送", "Alerts";
    alerts_title: "告警推送", "Alerts";
    alerts_hint: "紧急个案等事件会在一分钟内推送到企业微信群、钉钉群或您指定的网址。消息只含事件、社工站、风险等级、时间、数量和控制台链接，不含姓名、身份证号、地址或问卷内容；查看详情需登录。", "Urgent cases and other events reach WeCom or DingTalk groups, or an address of yours, within a minute. A message holds only the event, the station, the risk level, times, counts and a console link: no names, ID numbers, addresses or answers. Reading more takes a sign-in.";
    alert_channels: "推送渠道", "Channels";
    add_channel: "添加渠道", "Add a channel";
    channel_name: "渠道名称", "Name";
    channel_kind: "类型", "Kind";
    channel_url: "机器人或接收地址", "Robot or receiver URL";
    channel_secret: "签名密钥（钉钉、自定义网址必填）", "Signing secret (DingTalk and webhooks)";
    channel_events: "推送事件", "Events";
    digest_at: "每日简报时间（北京时间）", "Daily digest time (China Standard Time)";
    channel_stored_sealed: "地址和密钥加密保存，保存后不再显示。下级单位的事件也会推送到本渠道。", "The URL and secret are stored encrypted and never shown again. Events of every unit below reach this channel too.";
    kind_wecom: "企业微信群机器人", "WeCom group robot";
    kind_dingtalk: "钉钉群机器人", "DingTalk group robot";
    kind_webhook: "自定义网址（签名）", "Webhook (signed)";
    channel_added: "渠道已添加。", "Channel added.";
    channel_removed: "渠道已删除。", "Channel removed.";
    remove_channel: "删除", "Remove";
    remove_channel_confirm: "删除后该渠道不再收到推送，尚未发出的消息一并取消。确定删除？", "The channel gets nothing more, and what it was still to be sent is dropped. Remove it?";
    send_test: "发送测试消息", "Send a test";
    test_queued: "测试消息已排队，几秒内送达。", "Test messages queued; they arrive within seconds.";
    inherited: "上级单位", "From above";
    alert_history: "推送记录", "Delivery history";
    undeliverable: "未送达", "Undeliverable";
    undeliverable_hint: "发送失败或结果不明的推送。结果不明表示服务器在发送途中停止；请确认群里是否收到，未收到时可重发。", "Alerts that failed, or whose outcome is unknown because the server stopped while sending. Check whether the group has it; resend if not.";
    resend: "重发", "Resend";
    resent: "已重新排队。", "Queued again.";
    attempts: "尝试次数", "Attempts";
    last_error: "最近错误", "Last error";
    event: "事件", "Event";
    ev_police: "个案已报警", "Reported to police";
    ev_review_due_soon: "高风险评估即将超时", "HIGH review due soon";
    ev_review_overdue: "高风险评估已超时", "HIGH review overdue";
    ev_digest: "每日简报", "Daily digest";
    ev_chain_fork: "记录链分叉", "Chain fork";
    ev_chain_gap: "记录链缺失", "Chain gap";
    ev_device_revoked: "设备已吊销", "Device revoked";
    ev_test: "测试", "Test";
    ds_pending: "待发送", "Pending";
    ds_sending: "发送中", "Sending";
    ds_sent: "已送达", "Delivered";
    ds_failed: "发送失败", "Failed";
    ds_unconfirmed: "结果不明", "Unconfirmed";
    audit_title: "审计日志", "Audit log";
    audit_verify: "校验日志链", "Verify the chain";
    audit_intact: "日志链完整，条目数：", "The chain is intact; entries: ";
    audit_checkpoint: "；数据库外记录的检查点均在，最新至第 ", "; every checkpoint kept outside the database is there, the newest at entry ";
    audit_broken: "日志链在以下条目处断开：", "The chain breaks at entry: ";
    seq: "序号", "No.";
    at: "时间", "Time";
    actor: "操作人", "Actor";
    action: "操作", "Action";
    target: "对象", "Target";
    detail: "详情", "Detail";
    client: "来源", "Client";
    newer: "较新", "Newer";
    older: "较早", "Older";
    id: "编号", "Id";
    login: "账号", "Login";
    breadcrumb: "当前位置", "You are here";
    pages: "分页", "Pages";
    members: "家庭成员人数", "Household members";
    months: "个月", "months";
    once: "仅一次", "once";
    sealed_at: "封存时间", "Sealed";
}

impl Msgs {
    /// A category's name (its code when unknown).
    pub fn category(&self, code: &str) -> &'static str {
        use fieldvisit_core::caseload::Category;
        let zh = std::ptr::eq(self, &ZH);
        match Category::from_code(code) {
            Some(c) => category_name(c, zh),
            None => self.unknown,
        }
    }

    /// A role's name.
    pub fn role(&self, role: crate::store::Role) -> &'static str {
        use crate::store::Role;
        match role {
            Role::Worker => self.role_worker,
            Role::Supervisor => self.role_supervisor,
            Role::ChildWelfareReviewer => self.role_child_welfare_reviewer,
            Role::Admin => self.role_admin,
        }
    }

    /// An org level's name.
    pub fn org_level(&self, level: crate::store::OrgLevel) -> &'static str {
        use crate::store::OrgLevel;
        match level {
            OrgLevel::Province => self.level_province,
            OrgLevel::City => self.level_city,
            OrgLevel::County => self.level_county,
            OrgLevel::Township => self.level_township,
            OrgLevel::Village => self.level_village,
        }
    }

    /// A review state's name.
    pub fn review_state(&self, state: crate::store::ReviewState) -> &'static str {
        use crate::store::ReviewState;
        match state {
            ReviewState::Submitted => self.state_submitted,
            ReviewState::Urgent => self.state_urgent,
            ReviewState::InReview => self.state_in_review,
            ReviewState::Returned => self.state_returned,
            ReviewState::Confirmed => self.state_confirmed,
            ReviewState::Escalated => self.state_escalated,
            ReviewState::Closed => self.state_closed,
        }
    }

    /// An evidence reason's name.
    pub fn reason(&self, code: &str) -> &'static str {
        match code {
            "far" => self.reason_far,
            "mock_location" => self.reason_mock_location,
            "short" => self.reason_short,
            "photo_outside_window" => self.reason_photo_outside_window,
            "overlapping" => self.reason_overlapping,
            "no_fix" => self.reason_no_fix,
            "low_accuracy" => self.reason_low_accuracy,
            "stale_fix" => self.reason_stale_fix,
            "chain_fork" => self.reason_chain_fork,
            "chain_gap" => self.reason_chain_gap,
            _ => self.unknown,
        }
    }

    /// An escalation branch's name.
    pub fn escalation_name(&self, code: &str) -> &'static str {
        match code {
            "police_report" => self.esc_police_report,
            "temporary_guardianship" => self.esc_temporary_guardianship,
            "guardianship_intervention" => self.esc_guardianship_intervention,
            "long_term_guardianship" => self.esc_long_term_guardianship,
            _ => self.unknown,
        }
    }

    /// An audience's name.
    pub fn audience_name(&self, code: &str) -> &'static str {
        match code {
            "child-welfare" => self.aud_child_welfare,
            "civil-affairs" => self.aud_civil_affairs,
            _ => self.unknown,
        }
    }

    /// A chain status's name.
    pub fn chain_status(&self, status: crate::store::ChainStatus) -> &'static str {
        use crate::store::ChainStatus;
        match status {
            ChainStatus::Ok => self.chain_ok,
            ChainStatus::Gap => self.chain_gap,
            ChainStatus::Fork => self.chain_fork,
        }
    }

    /// An alert event's name.
    pub fn alert_event(&self, kind: crate::store::AlertKind) -> &'static str {
        use crate::store::AlertKind;
        match kind {
            AlertKind::Police => self.ev_police,
            AlertKind::ReviewDueSoon => self.ev_review_due_soon,
            AlertKind::ReviewOverdue => self.ev_review_overdue,
            AlertKind::Digest => self.ev_digest,
            AlertKind::ChainFork => self.ev_chain_fork,
            AlertKind::ChainGap => self.ev_chain_gap,
            AlertKind::DeviceRevoked => self.ev_device_revoked,
            AlertKind::Test => self.ev_test,
        }
    }

    /// A delivery state's name.
    pub fn delivery_state(&self, state: crate::store::DeliveryState) -> &'static str {
        use crate::store::DeliveryState;
        match state {
            DeliveryState::Pending => self.ds_pending,
            DeliveryState::Sending => self.ds_sending,
            DeliveryState::Sent => self.ds_sent,
            DeliveryState::Failed => self.ds_failed,
            DeliveryState::Unconfirmed => self.ds_unconfirmed,
        }
    }

    /// A channel kind's name.
    pub fn channel_kind(&self, kind: crate::store::ChannelKind) -> &'static str {
        use crate::store::ChannelKind;
        match kind {
            ChannelKind::Wecom => self.kind_wecom,
            ChannelKind::Dingtalk => self.kind_dingtalk,
            ChannelKind::Webhook => self.kind_webhook,
        }
    }

    /// Whether this is the Chinese catalogue (for labels that come with both languages).
    pub fn is_zh(&self) -> bool {
        std::ptr::eq(self, &ZH)
    }
}

fn category_name(c: fieldvisit_core::caseload::Category, zh: bool) -> &'static str {
    use fieldvisit_core::caseload::Category::*;
    let (z, e) = match c {
        Dibao => ("低保", "Low-income"),
        Tekun => ("特困(分散供养)", "Extreme poverty"),
        TemporaryAssistance => ("临时救助", "Temporary assistance"),
        LeftBehindChild => ("留守儿童", "Left-behind child"),
        DistressedChild => ("困境儿童", "Distressed child"),
        Orphan => ("孤儿", "Orphan"),
        UnsupportedChild => ("事实无人抚养儿童", "De-facto unsupported child"),
        ElderlyTekun => ("特困老人", "Extreme-poverty elderly"),
        ElderlyLeftBehind => ("留守老人", "Left-behind elderly"),
        ElderlyAged => ("高龄老人", "Elderly 80+"),
        ElderlyDisabled => ("失能老人", "Disabled elderly"),
        ElderlyAlone => ("独居/空巢老人", "Elderly living alone"),
    };
    if zh { z } else { e }
}
