"""WeCom customer contact, one file per use case: contact ways, the contact callback,
customers, counts and tags (``contacts``); 欢迎语 (``welcome``); 客户群 (``groups``); 群发
(``broadcasts``) and 客户群群发 (``group_broadcasts``); card pictures and their WeCom media ids
(``pictures``). No transaction is open during a call to WeCom (STYLE 6)."""

from __future__ import annotations

from ._common import (
    CLOCK_KEY,
    STOREFRONT_PAGES,
    client_of,
    clock_of,
    install,
    make_state,
    require_client,
)
from .broadcasts import (
    batches,
    fetch_results,
    get_broadcast,
    list_broadcasts,
    list_recipients,
    refresh_broadcast,
)
from .contacts import (
    MAX_TAG_CONTACTS,
    acquisition_stats,
    apply_change,
    contact_way_count,
    create_contact_way,
    link_members,
    list_contact_ways,
    list_contacts,
    parse_state,
    tag_segment,
)
from .group_broadcasts import create_broadcast, list_broadcast_groups
from .groups import (
    apply_chat_change,
    create_join_way,
    list_group_members,
    list_groups,
    list_join_ways,
    sync_groups,
)
from .pictures import MEDIA_REFRESH_AFTER, PICTURE_MAX_BYTES, fresh_media_id, upload_picture
from .ways import delete_contact_way, delete_join_way, update_contact_way, update_join_way
from .welcome import get_welcome, list_welcome_sends, send_due_welcomes, set_welcome

__all__ = [
    "CLOCK_KEY",
    "MAX_TAG_CONTACTS",
    "MEDIA_REFRESH_AFTER",
    "PICTURE_MAX_BYTES",
    "STOREFRONT_PAGES",
    "acquisition_stats",
    "apply_change",
    "apply_chat_change",
    "batches",
    "client_of",
    "clock_of",
    "contact_way_count",
    "create_broadcast",
    "create_contact_way",
    "create_join_way",
    "delete_contact_way",
    "delete_join_way",
    "fetch_results",
    "fresh_media_id",
    "get_broadcast",
    "get_welcome",
    "install",
    "link_members",
    "list_broadcast_groups",
    "list_broadcasts",
    "list_contact_ways",
    "list_contacts",
    "list_group_members",
    "list_groups",
    "list_join_ways",
    "list_recipients",
    "list_welcome_sends",
    "make_state",
    "parse_state",
    "refresh_broadcast",
    "require_client",
    "send_due_welcomes",
    "set_welcome",
    "sync_groups",
    "tag_segment",
    "update_contact_way",
    "update_join_way",
    "upload_picture",
]
