"""Demo content of the knowledge base, as data (knowledge.demo builds the pages from it).

A small set for the loader's tests; the full demo set replaces this file (same format):
SOLUTIONS = [{slug, title, vendor, product, versions, domain, skills, doc_links, summary,
              procedures: [{slug, title, purpose, prerequisites, steps: [{text, command}], verification,
                            rollback, tier, duration_minutes, categories, skills, client, review_days}],
              standards: [{slug, title, purpose, settings: [{parameter, value, why, reference}],
                           checks: [{text, command}], categories, skills, client, review_days,
                           deviations: [{client, parameter, value, reason}]}]}]
`review_days`: the review date is today + review_days (negative: already past)."""

SOLUTIONS = [
    {
        "slug": "exchange-online", "title": "Exchange Online", "vendor": "Microsoft", "product": "Exchange Online",
        "versions": "Microsoft 365 (2024-2026)", "domain": "M365",
        "skills": ["M365.EXO", "MSG.FLOW"],
        "doc_links": [
            ("Gérer les boîtes aux lettres partagées",
             "https://learn.microsoft.com/fr-fr/exchange/collaboration-exo/shared-mailboxes"),
            ("Suivi des messages dans le nouveau centre d'administration Exchange",
             "https://learn.microsoft.com/fr-fr/exchange/monitoring/trace-an-email-message/message-trace-modern-eac"),
        ],
        "summary": "La messagerie hébergée de Microsoft 365 : boîtes aux lettres, partages, règles de transport.",
        "procedures": [
            {
                "slug": "donner-acces-boite-partagee", "title": "Donner accès à une boîte aux lettres partagée",
                "purpose": "Accorder à un utilisateur l'accès complet et l'envoi « de la part de » sur une boîte "
                           "partagée, sans licence supplémentaire.",
                "prerequisites": ["Rôle Exchange « Recipient Management » sur le tenant",
                                  "Module PowerShell ExchangeOnlineManagement 3.x installé"],
                "steps": [
                    {"text": "Se connecter à Exchange Online PowerShell",
                     "command": "Connect-ExchangeOnline -UserPrincipalName admin@contoso.fr"},
                    {"text": "Accorder l'accès complet (avec le mappage automatique dans Outlook)",
                     "command": "Add-MailboxPermission -Identity compta@contoso.fr -User j.dupont@contoso.fr "
                                "-AccessRights FullAccess -InheritanceType All -AutoMapping $true"},
                    {"text": "Accorder l'envoi en tant que la boîte partagée",
                     "command": "Add-RecipientPermission -Identity compta@contoso.fr -Trustee j.dupont@contoso.fr "
                                "-AccessRights SendAs -Confirm:$false"},
                ],
                "verification": "Get-MailboxPermission -Identity compta@contoso.fr montre l'utilisateur avec "
                                "FullAccess ; la boîte apparaît dans Outlook après redémarrage (jusqu'à 60 minutes).",
                "rollback": "Remove-MailboxPermission et Remove-RecipientPermission avec les mêmes paramètres.",
                "tier": "N1", "duration_minutes": 10,
                "categories": ["Microsoft 365 > Exchange Online"], "skills": ["M365.EXO"],
                "client": None, "review_days": 180,
            },
            {
                "slug": "tracer-un-message-non-recu", "title": "Tracer un message non reçu",
                "purpose": "Retrouver où un message entrant s'est arrêté (quarantaine, règle de transport, rejet "
                           "de l'expéditeur) avant d'escalader.",
                "prerequisites": ["Adresse de l'expéditeur et du destinataire, heure approximative d'envoi"],
                "steps": [
                    {"text": "Lancer un suivi des messages sur les dernières 48 heures",
                     "command": "Get-MessageTraceV2 -RecipientAddress j.dupont@contoso.fr "
                                "-StartDate (Get-Date).AddDays(-2) -EndDate (Get-Date)"},
                    {"text": "Lire le détail des événements du message trouvé",
                     "command": "Get-MessageTraceDetailV2 -MessageTraceId <id> -RecipientAddress j.dupont@contoso.fr"},
                    {"text": "Si le statut est Quarantined, libérer le message depuis le portail Defender", "command": ""},
                ],
                "verification": "Le destinataire confirme la réception ; le suivi montre l'état Delivered.",
                "rollback": "Rien à annuler : la procédure ne fait que lire, sauf une libération de quarantaine.",
                "tier": "N1", "duration_minutes": 15,
                "categories": ["Messagerie > Message non reçu"], "skills": ["MSG.FLOW", "M365.EXO"],
                "client": None, "review_days": -20,
            },
        ],
        "standards": [
            {
                "slug": "standard-boites-aux-lettres", "title": "Standard de configuration des boîtes aux lettres",
                "purpose": "Les réglages de sécurité et de rétention appliqués à toute boîte Exchange Online.",
                "settings": [
                    {"parameter": "AuditEnabled", "value": "$true",
                     "why": "Tracer les accès d'un délégué ou d'un attaquant.",
                     "reference": "https://learn.microsoft.com/fr-fr/purview/audit-mailboxes"},
                    {"parameter": "RetainDeletedItemsFor", "value": "30.00:00:00",
                     "why": "Laisser 30 jours pour restaurer un élément supprimé.",
                     "reference": "Microsoft 365 Business Premium baseline"},
                    {"parameter": "SingleItemRecoveryEnabled", "value": "$true",
                     "why": "Empêcher la purge définitive par l'utilisateur.",
                     "reference": "https://learn.microsoft.com/fr-fr/exchange/recipients-in-exchange-online/"
                                  "manage-user-mailboxes/enable-or-disable-single-item-recovery"},
                ],
                "checks": [
                    {"text": "Toutes les boîtes ont l'audit activé",
                     "command": "Get-EXOMailbox -ResultSize Unlimited -Properties AuditEnabled | "
                                "Where-Object {-not $_.AuditEnabled}"},
                ],
                "categories": ["Microsoft 365 > Exchange Online", "Messagerie"], "skills": ["M365.EXO"],
                "client": None, "review_days": 365,
                "deviations": [
                    {"client": "CLINIQUE-PINS", "parameter": "RetainDeletedItemsFor", "value": "14.00:00:00",
                     "reason": "Politique de conservation du client (données de santé) validée par son DPO."},
                ],
            },
        ],
    },
    {
        "slug": "active-directory", "title": "Active Directory", "vendor": "Microsoft",
        "product": "Active Directory Domain Services", "versions": "Windows Server 2019, 2022, 2025",
        "domain": "AD", "skills": ["AD.ACCOUNTS", "AD.GPO"],
        "doc_links": [("Active Directory Domain Services",
                       "https://learn.microsoft.com/fr-fr/windows-server/identity/ad-ds/"
                       "get-started/virtual-dc/active-directory-domain-services-overview")],
        "summary": "L'annuaire des clients hébergés et sur site : comptes, groupes, stratégies.",
        "procedures": [
            {
                "slug": "deverrouiller-un-compte", "title": "Déverrouiller un compte et réinitialiser son mot de passe",
                "purpose": "Rendre l'accès à un utilisateur verrouillé après trop d'essais, en vérifiant la source "
                           "des échecs.",
                "prerequisites": ["Identité de l'appelant vérifiée (procédure d'authentification du client)",
                                  "Module PowerShell ActiveDirectory (RSAT)"],
                "steps": [
                    {"text": "Vérifier l'état du compte",
                     "command": "Get-ADUser j.dupont -Properties LockedOut,BadLogonCount,LastBadPasswordAttempt"},
                    {"text": "Déverrouiller le compte", "command": "Unlock-ADAccount -Identity j.dupont"},
                    {"text": "Réinitialiser le mot de passe et forcer le changement",
                     "command": "Set-ADAccountPassword j.dupont -Reset -NewPassword (Read-Host -AsSecureString); "
                                "Set-ADUser j.dupont -ChangePasswordAtLogon $true"},
                ],
                "verification": "L'utilisateur ouvre sa session ; LockedOut vaut False.",
                "rollback": "Aucun retour arrière : en cas de verrouillages répétés, escalader (source inconnue).",
                "tier": "N1", "duration_minutes": 10,
                "categories": ["Active Directory > Compte verrouillé"], "skills": ["AD.ACCOUNTS"],
                "client": "BLEMOINE", "review_days": 200,
            },
        ],
        "standards": [],
    },
]
