"""French demo content of the knowledge base (issue #18, item 6): technical solutions, each with
its procedures and configuration standards, written as N2/N3 experts of an MSP write them for the
N1 technicians who solve incidents at first contact.

Pure data, no Django: the knowledge app's loader reads SOLUTIONS. Every domain and skill code
comes from skills/data/catalogue.csv, every category from routing_bridge/data/category_rules.csv
(a parent prefix such as "Messagerie" is a category of its own there), every client code from
academy.demo.DEMO_CLIENTS. A document's review date is the loading day plus its review_days;
two documents have a negative value, so the demo shows documents past their review date.

Run this module (``python knowledge/demo_content.py``) to check the structure against the seed.
"""

SOLUTIONS = [
    # ------------------------------------------------------------------ Exchange Online
    {
        "slug": "exchange-online",
        "title": "Exchange Online",
        "vendor": "Microsoft",
        "product": "Exchange Online",
        "versions": "Microsoft 365 (2024-2026), module ExchangeOnlineManagement 3.x",
        "domain": "M365",
        "skills": ["M365.EXO", "MSG.FLOW", "MSG.FILTER", "MSG.AUTH", "MSG.CLIENT"],
        "doc_links": [
            ("Documentation Exchange Online", "https://learn.microsoft.com/exchange/exchange-online"),
            ("Get-MessageTraceV2", "https://learn.microsoft.com/powershell/module/exchange/get-messagetracev2"),
            ("Microsoft Defender pour Office 365", "https://learn.microsoft.com/defender-office-365/"),
        ],
        "summary": (
            "Messagerie hébergée de Microsoft 365 : boîtes aux lettres, boîtes partagées, flux de "
            "messagerie et filtrage (Exchange Online Protection). Toutes les actions se font avec "
            "le compte d'administration délégué (GDAP) du MSP, jamais avec un compte du client."
        ),
        "procedures": [
            {
                "slug": "exo-tracer-message-non-recu",
                "title": "Tracer un message non reçu",
                "purpose": (
                    "Savoir en moins de 20 minutes où s'est arrêté un message qu'un utilisateur "
                    "attend : remis, filtré, mis en quarantaine, rejeté ou jamais arrivé."
                ),
                "prerequisites": [
                    "Rôle GDAP « Exchange Administrator » ou « Global Reader » sur le tenant du client",
                    "Module PowerShell ExchangeOnlineManagement 3.7 ou plus récent",
                    "Adresse de l'expéditeur, heure approximative d'envoi et objet du message",
                ],
                "steps": [
                    {"text": "Notez dans le ticket l'adresse de l'expéditeur, l'adresse du destinataire, "
                             "l'heure approximative d'envoi et l'objet.", "command": ""},
                    {"text": "Connectez-vous à Exchange Online en délégation sur le tenant du client.",
                     "command": "Connect-ExchangeOnline -UserPrincipalName technicien@msp.fr "
                                "-DelegatedOrganization client.onmicrosoft.com"},
                    {"text": "Lancez une trace sur les 48 dernières heures (10 jours au plus par requête, "
                             "90 jours d'historique au total).",
                     "command": "Get-MessageTraceV2 -RecipientAddress jdupont@client.fr "
                                "-SenderAddress contact@fournisseur.fr -StartDate (Get-Date).AddDays(-2) "
                                "-EndDate (Get-Date) | Format-Table Received, SenderAddress, Subject, Status"},
                    {"text": "Si le statut est « Delivered », le message est dans la boîte : faites vérifier "
                             "le dossier Courrier indésirable, puis listez les règles de boîte de réception.",
                     "command": "Get-InboxRule -Mailbox jdupont@client.fr | Format-Table Name, Enabled, "
                                "MoveToFolder, DeleteMessage, ForwardTo"},
                    {"text": "Si le statut est « Quarantined » ou « FilteredAsSpam », appliquez la procédure "
                             "« Libérer un message mis en quarantaine ».", "command": ""},
                    {"text": "Si le statut est « Failed », affichez le détail des événements pour lire la "
                             "raison du rejet (code de non-remise 5.x.x).",
                     "command": "Get-MessageTraceV2 -RecipientAddress jdupont@client.fr -StartDate "
                                "(Get-Date).AddDays(-2) -EndDate (Get-Date) -Status Failed | "
                                "Get-MessageTraceDetailV2 | Format-List Date, Event, Detail"},
                    {"text": "Si aucune trace n'existe, le message n'est jamais arrivé chez Microsoft : "
                             "vérifiez l'enregistrement MX du domaine et demandez à l'expéditeur son "
                             "rapport de non-remise.",
                     "command": "Resolve-DnsName -Name client.fr -Type MX"},
                ],
                "verification": (
                    "L'utilisateur confirme la réception, ou la cause est écrite dans le ticket avec le "
                    "statut de la trace et le détail de l'événement (code de rejet, quarantaine, MX)."
                ),
                "rollback": "Aucun : la procédure ne fait que lire la configuration et les traces.",
                "tier": "N1",
                "duration_minutes": 20,
                "categories": ["Messagerie > Message non reçu", "Microsoft 365 > Exchange Online"],
                "skills": ["MSG.FLOW", "M365.EXO"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "exo-liberer-quarantaine",
                "title": "Libérer un message mis en quarantaine",
                "purpose": (
                    "Remettre à l'utilisateur un message légitime bloqué par le filtrage, sans jamais "
                    "libérer un message d'hameçonnage ou un logiciel malveillant."
                ),
                "prerequisites": [
                    "Rôle GDAP « Security Administrator » ou « Exchange Administrator »",
                    "Trace du message faite (statut « Quarantined »)",
                ],
                "steps": [
                    {"text": "Listez les messages en quarantaine du destinataire sur les 7 derniers jours "
                             "et notez l'Identity du message concerné.",
                     "command": "Get-QuarantineMessage -RecipientAddress jdupont@client.fr "
                                "-StartReceivedDate (Get-Date).AddDays(-7) | Format-Table ReceivedTime, "
                                "SenderAddress, Subject, QuarantineTypes, Identity"},
                    {"text": "Si le type est « HighConfPhish » ou « Malware », arrêtez-vous : ne libérez pas "
                             "et escaladez en N2 dans la catégorie Sécurité.", "command": ""},
                    {"text": "Lisez l'en-tête du message : vérifiez les résultats SPF, DKIM et DMARC "
                             "(Authentication-Results) et le domaine réel de l'expéditeur.",
                     "command": 'Get-QuarantineMessageHeader -Identity "<Identity>"'},
                    {"text": "Faites confirmer par l'utilisateur qu'il attendait ce message de cet "
                             "expéditeur ; en cas de doute, appelez l'expéditeur à un numéro connu, "
                             "jamais à celui indiqué dans le message.", "command": ""},
                    {"text": "Libérez le message pour ce seul destinataire.",
                     "command": 'Release-QuarantineMessage -Identity "<Identity>" -User jdupont@client.fr'},
                    {"text": "Si l'expéditeur légitime est bloqué à répétition, signalez le faux positif "
                             "dans le portail Defender (Soumissions > Courriers > Soumettre à Microsoft "
                             "pour analyse) au lieu de créer une autorisation permanente.", "command": ""},
                ],
                "verification": (
                    "Get-QuarantineMessage -Identity \"<Identity>\" renvoie ReleaseStatus « RELEASED » et "
                    "l'utilisateur voit le message dans sa boîte de réception."
                ),
                "rollback": (
                    "Si le message se révèle malveillant après libération, escaladez immédiatement en N2 "
                    "(Sécurité > Incident de sécurité) pour le supprimer des boîtes depuis l'Explorateur "
                    "de menaces."
                ),
                "tier": "N1",
                "duration_minutes": 10,
                "categories": ["Messagerie > Spam / phishing"],
                "skills": ["MSG.FILTER"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "exo-acces-boite-partagee",
                "title": "Donner l'accès à une boîte partagée",
                "purpose": (
                    "Accorder à un utilisateur l'accès total et le droit « Envoyer en tant que » sur une "
                    "boîte partagée, à la demande du responsable de cette boîte."
                ),
                "prerequisites": [
                    "Demande écrite du responsable de la boîte partagée, jointe au ticket",
                    "Rôle GDAP « Exchange Administrator »",
                ],
                "steps": [
                    {"text": "Vérifiez que la boîte est bien une boîte partagée et notez son adresse principale.",
                     "command": "Get-Mailbox -Identity compta@client.fr | Format-List RecipientTypeDetails, "
                                "PrimarySmtpAddress"},
                    {"text": "Accordez l'accès total, avec le montage automatique dans Outlook.",
                     "command": "Add-MailboxPermission -Identity compta@client.fr -User jdupont@client.fr "
                                "-AccessRights FullAccess -InheritanceType All -AutoMapping $true"},
                    {"text": "Accordez le droit « Envoyer en tant que ».",
                     "command": "Add-RecipientPermission -Identity compta@client.fr -Trustee jdupont@client.fr "
                                "-AccessRights SendAs -Confirm:$false"},
                    {"text": "Faites conserver les messages envoyés dans les Éléments envoyés de la boîte "
                             "partagée (réglage du socle, à vérifier).",
                     "command": "Set-Mailbox -Identity compta@client.fr -MessageCopyForSendAsEnabled $true"},
                    {"text": "Prévenez l'utilisateur : la boîte apparaît dans Outlook sous 60 minutes, après "
                             "un redémarrage d'Outlook.", "command": ""},
                ],
                "verification": (
                    "Get-MailboxPermission -Identity compta@client.fr -User jdupont@client.fr affiche "
                    "FullAccess, Get-RecipientPermission -Identity compta@client.fr -Trustee "
                    "jdupont@client.fr affiche SendAs, et l'utilisateur envoie un message de test depuis "
                    "l'adresse partagée."
                ),
                "rollback": (
                    "Remove-MailboxPermission -Identity compta@client.fr -User jdupont@client.fr "
                    "-AccessRights FullAccess -InheritanceType All -Confirm:$false, puis "
                    "Remove-RecipientPermission -Identity compta@client.fr -Trustee jdupont@client.fr "
                    "-AccessRights SendAs -Confirm:$false."
                ),
                "tier": "N1",
                "duration_minutes": 10,
                "categories": ["Microsoft 365 > Exchange Online"],
                "skills": ["M365.EXO"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "exo-compte-compromis",
                "title": "Contenir une boîte aux lettres compromise",
                "purpose": (
                    "Couper l'accès d'un attaquant à une boîte aux lettres (envoi de spam, transfert "
                    "caché, règles suspectes) en préservant les traces pour l'enquête."
                ),
                "prerequisites": [
                    "Rôles GDAP « Exchange Administrator » et « Privileged Authentication Administrator »",
                    "Modules ExchangeOnlineManagement et Microsoft.Graph",
                    "Référent du client prévenu par téléphone avant le blocage du compte",
                ],
                "steps": [
                    {"text": "Bloquez la connexion du compte.",
                     "command": "Update-MgUser -UserId jdupont@client.fr -AccountEnabled:$false"},
                    {"text": "Révoquez toutes les sessions et jetons d'actualisation en cours.",
                     "command": "Revoke-MgUserSignInSession -UserId jdupont@client.fr"},
                    {"text": "Relevez puis supprimez le transfert configuré sur la boîte.",
                     "command": "Get-Mailbox -Identity jdupont@client.fr | Format-List ForwardingSmtpAddress, "
                                "ForwardingAddress, DeliverToMailboxAndForward\n"
                                "Set-Mailbox -Identity jdupont@client.fr -ForwardingSmtpAddress $null "
                                "-ForwardingAddress $null -DeliverToMailboxAndForward $false"},
                    {"text": "Listez les règles de boîte de réception, y compris les règles masquées, et "
                             "désactivez (sans les supprimer) celles qui transfèrent, redirigent ou "
                             "suppriment des messages.",
                     "command": "Get-InboxRule -Mailbox jdupont@client.fr -IncludeHidden | Format-List Name, "
                                "Enabled, ForwardTo, ForwardAsAttachmentTo, RedirectTo, DeleteMessage, "
                                "MoveToFolder, Identity\n"
                                'Disable-InboxRule -Identity "<Identity>" -Mailbox jdupont@client.fr'},
                    {"text": "Exportez le journal d'audit des 30 derniers jours pour l'enquête.",
                     "command": "Search-UnifiedAuditLog -StartDate (Get-Date).AddDays(-30) -EndDate (Get-Date) "
                                "-UserIds jdupont@client.fr -Operations New-InboxRule,Set-InboxRule,"
                                "UpdateInboxRules,Set-Mailbox,Send -ResultSize 5000 | Export-Csv "
                                "C:\\Temp\\audit-jdupont.csv -NoTypeInformation -Encoding UTF8"},
                    {"text": "Relevez dans les journaux de connexion Entra ID (Identité > Surveillance et "
                             "intégrité > Journaux de connexion) les adresses IP et pays inconnus, et "
                             "joignez-les au ticket.", "command": ""},
                    {"text": "Si la stratégie de courrier sortant a restreint l'envoi, levez la restriction "
                             "une fois la boîte assainie.",
                     "command": "Get-BlockedSenderAddress\n"
                                "Remove-BlockedSenderAddress -SenderAddress jdupont@client.fr"},
                    {"text": "Réinitialisez le mot de passe, supprimez les méthodes MFA inconnues, puis "
                             "réactivez le compte et remettez le mot de passe à l'utilisateur par un "
                             "autre canal (SMS, téléphone).",
                     "command": "Get-MgUserAuthenticationMethod -UserId jdupont@client.fr\n"
                                "Update-MgUser -UserId jdupont@client.fr -AccountEnabled:$true"},
                    {"text": "Informez le référent du client : si des données personnelles ont fuité, le "
                             "client doit notifier la CNIL sous 72 heures (RGPD, art. 33).", "command": ""},
                ],
                "verification": (
                    "Aucun transfert sur la boîte, aucune règle active suspecte, Get-BlockedSenderAddress "
                    "ne renvoie plus l'adresse, et les connexions des 24 heures suivantes viennent "
                    "uniquement de lieux connus."
                ),
                "rollback": (
                    "Les règles sont désactivées, pas supprimées : une règle légitime se réactive avec "
                    "Enable-InboxRule -Identity \"<Identity>\" -Mailbox jdupont@client.fr. Le blocage du "
                    "compte se lève avec Update-MgUser -AccountEnabled:$true."
                ),
                "tier": "N2",
                "duration_minutes": 60,
                "categories": ["Sécurité > Incident de sécurité", "Messagerie > Spam / phishing"],
                "skills": ["SEC.IR", "M365.EXO"],
                "client": None,
                "review_days": 180,
            },
        ],
        "standards": [
            {
                "slug": "exo-socle-messagerie",
                "title": "Socle de configuration Exchange Online",
                "purpose": (
                    "Réglages appliqués à chaque tenant géré : audit, anti-transfert, authentification "
                    "du domaine, protection et conservation, tels que Microsoft les recommande."
                ),
                "settings": [
                    {"parameter": "Audit des boîtes aux lettres",
                     "value": "Set-OrganizationConfig -AuditDisabled $false",
                     "why": "Trace les actions du propriétaire, des délégués et des administrateurs sur chaque boîte.",
                     "reference": "https://learn.microsoft.com/purview/audit-mailboxes"},
                    {"parameter": "Journal d'audit unifié",
                     "value": "Set-AdminAuditLogConfig -UnifiedAuditLogIngestionEnabled $true",
                     "why": "Indispensable à toute enquête de compromission (Search-UnifiedAuditLog).",
                     "reference": "https://learn.microsoft.com/purview/audit-log-enable-disable"},
                    {"parameter": "Transfert automatique externe",
                     "value": "Set-HostedOutboundSpamFilterPolicy -Identity Default -AutoForwardingMode Off",
                     "why": "Bloque l'exfiltration par transfert automatique, premier réflexe d'un attaquant.",
                     "reference": "https://learn.microsoft.com/defender-office-365/outbound-spam-policies-external-email-forwarding"},
                    {"parameter": "Enregistrement SPF",
                     "value": "TXT « v=spf1 include:spf.protection.outlook.com -all »",
                     "why": "Seuls les serveurs Microsoft 365 peuvent envoyer pour le domaine ; les autres "
                            "services d'envoi (copieurs, ERP) sont ajoutés explicitement.",
                     "reference": "https://learn.microsoft.com/defender-office-365/email-authentication-spf-configure"},
                    {"parameter": "Signature DKIM",
                     "value": "CNAME selector1 et selector2 publiés (valeurs de Get-DkimSigningConfig), puis "
                              "Set-DkimSigningConfig -Identity client.fr -Enabled $true",
                     "why": "Signe les messages sortants avec le domaine du client, nécessaire à l'alignement DMARC.",
                     "reference": "https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure"},
                    {"parameter": "Stratégie DMARC",
                     "value": "TXT _dmarc « v=DMARC1; p=quarantine; pct=100; rua=mailto:dmarc@client.fr », "
                              "puis p=reject après 4 semaines de rapports sans envoi légitime en échec",
                     "why": "Empêche l'usurpation du domaine du client et renseigne sur les envois non autorisés.",
                     "reference": "https://learn.microsoft.com/defender-office-365/email-authentication-dmarc-configure"},
                    {"parameter": "Authentification SMTP (SMTP AUTH)",
                     "value": "Set-TransportConfig -SmtpClientAuthenticationDisabled $true ; exception par "
                              "boîte (Set-CASMailbox -SmtpClientAuthenticationDisabled $false) pour un "
                              "copieur uniquement",
                     "why": "Protocole sans MFA, très visé par les attaques par pulvérisation de mots de passe.",
                     "reference": "https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission"},
                    {"parameter": "Stratégies de sécurité prédéfinies",
                     "value": "Protection « Standard » appliquée à tous les destinataires",
                     "why": "Antispam, anti-hameçonnage, pièces jointes et liens fiables réglés comme Microsoft le recommande.",
                     "reference": "https://learn.microsoft.com/defender-office-365/preset-security-policies"},
                    {"parameter": "Conservation des éléments supprimés",
                     "value": "Get-MailboxPlan | Set-MailboxPlan -RetainDeletedItemsFor 30",
                     "why": "Maximum autorisé : l'utilisateur récupère seul un message supprimé pendant 30 jours.",
                     "reference": "https://learn.microsoft.com/exchange/recipients-in-exchange-online/manage-user-mailboxes/change-deleted-item-retention"},
                    {"parameter": "Boîte d'un collaborateur parti",
                     "value": "Convertie en boîte partagée, conservée 90 jours, puis supprimée",
                     "why": "Garde l'accès aux échanges en cours sans licence et limite les données conservées (RGPD).",
                     "reference": "https://learn.microsoft.com/microsoft-365/admin/email/convert-user-mailbox-to-shared-mailbox"},
                ],
                "checks": [
                    {"text": "L'audit des boîtes est actif (AuditDisabled doit valoir False).",
                     "command": "Get-OrganizationConfig | Format-List AuditDisabled"},
                    {"text": "Le journal d'audit unifié est actif.",
                     "command": "Get-AdminAuditLogConfig | Format-List UnifiedAuditLogIngestionEnabled"},
                    {"text": "Le transfert automatique externe est bloqué dans toutes les stratégies sortantes.",
                     "command": "Get-HostedOutboundSpamFilterPolicy | Format-Table Name, AutoForwardingMode"},
                    {"text": "DKIM est actif et l'enregistrement DMARC est publié.",
                     "command": "Get-DkimSigningConfig | Format-Table Domain, Enabled, Status\n"
                                "Resolve-DnsName -Name _dmarc.client.fr -Type TXT"},
                    {"text": "SMTP AUTH est désactivé au niveau de l'organisation.",
                     "command": "Get-TransportConfig | Format-List SmtpClientAuthenticationDisabled"},
                ],
                "categories": ["Microsoft 365 > Exchange Online", "Messagerie"],
                "skills": ["M365.EXO", "MSG.AUTH", "MSG.FILTER", "M365.PURVIEW"],
                "client": None,
                "review_days": 365,
                "deviations": [
                    {"client": "NOTAIRES-LAC",
                     "parameter": "Boîte d'un collaborateur parti",
                     "value": "Boîte inactive conservée 5 ans par la stratégie de rétention Purview "
                              "« NOTAIRES-LCBFT-5ANS », appliquée avant la suppression du compte",
                     "reason": "Obligation de conservation pendant 5 ans des documents relatifs à la "
                               "relation d'affaires au titre de la lutte contre le blanchiment (art. "
                               "L561-12 du Code monétaire et financier) ; demandée par écrit par le notaire "
                               "associé. Une boîte inactive ne consomme pas de licence."},
                ],
            },
        ],
    },
    # ------------------------------------------------------------------ Active Directory
    {
        "slug": "active-directory",
        "title": "Active Directory",
        "vendor": "Microsoft",
        "product": "Active Directory Domain Services",
        "versions": "Windows Server 2016 à 2025, niveau fonctionnel de forêt 2016",
        "domain": "AD",
        "skills": ["AD.ACCOUNTS", "AD.GPO", "AD.REPL", "AD.ENTRA", "SEC.HARDEN"],
        "doc_links": [
            ("Active Directory Domain Services", "https://learn.microsoft.com/windows-server/identity/ad-ds/active-directory-domain-services"),
            ("Windows LAPS", "https://learn.microsoft.com/windows-server/identity/laps/laps-overview"),
            ("Microsoft Entra Connect Sync", "https://learn.microsoft.com/entra/identity/hybrid/connect/how-to-connect-sync-whatis"),
        ],
        "summary": (
            "Annuaire local des clients : comptes, groupes, stratégies de groupe et contrôleurs de "
            "domaine, synchronisé avec Entra ID par Entra Connect. Les commandes se lancent depuis "
            "le serveur d'administration du client (RSAT installé), jamais depuis un poste utilisateur."
        ),
        "procedures": [
            {
                "slug": "ad-deverrouiller-compte",
                "title": "Déverrouiller un compte et réinitialiser son mot de passe",
                "purpose": (
                    "Rendre l'accès à un utilisateur verrouillé, trouver le poste à l'origine du "
                    "verrouillage pour qu'il ne se reproduise pas."
                ),
                "prerequisites": [
                    "Identité de l'appelant vérifiée selon la procédure du client (rappel au numéro de "
                    "l'annuaire ou validation du responsable)",
                    "Délégation « Opérateurs de compte N1 » sur l'OU des utilisateurs",
                ],
                "steps": [
                    {"text": "Affichez l'état du compte : verrouillage, échecs récents, expiration du mot de passe.",
                     "command": "Get-ADUser -Identity jdupont -Properties LockedOut, BadLogonCount, "
                                "LastBadPasswordAttempt, PasswordExpired, PasswordLastSet | Format-List Name, "
                                "Enabled, LockedOut, BadLogonCount, LastBadPasswordAttempt, PasswordExpired, "
                                "PasswordLastSet"},
                    {"text": "Cherchez le poste à l'origine du verrouillage dans l'événement 4740 du "
                             "contrôleur PDC.",
                     "command": "Get-WinEvent -ComputerName (Get-ADDomain).PDCEmulator -FilterHashtable "
                                "@{LogName='Security'; Id=4740} -MaxEvents 50 | Where-Object "
                                "{ $_.Properties[0].Value -eq 'jdupont' } | Format-List TimeCreated, "
                                "@{n='Poste source'; e={ $_.Properties[1].Value }}"},
                    {"text": "Si la source est un smartphone, une session RDP oubliée ou un lecteur réseau "
                             "mappé avec l'ancien mot de passe, faites corriger cet appareil avant de "
                             "déverrouiller.", "command": ""},
                    {"text": "Déverrouillez le compte.", "command": "Unlock-ADAccount -Identity jdupont"},
                    {"text": "Si l'utilisateur a oublié son mot de passe, posez un mot de passe temporaire "
                             "et imposez son changement à la prochaine ouverture de session.",
                     "command": 'Set-ADAccountPassword -Identity jdupont -Reset -NewPassword '
                                '(Read-Host -AsSecureString "Mot de passe temporaire")\n'
                                "Set-ADUser -Identity jdupont -ChangePasswordAtLogon $true"},
                    {"text": "Transmettez le mot de passe temporaire par SMS ou de vive voix, jamais par "
                             "e-mail ; avec Entra Connect, comptez 2 minutes avant qu'il vaille pour "
                             "Microsoft 365.", "command": ""},
                ],
                "verification": (
                    "Get-ADUser jdupont -Properties LockedOut renvoie LockedOut False et l'utilisateur "
                    "ouvre sa session ; aucun nouvel événement 4740 dans l'heure qui suit."
                ),
                "rollback": (
                    "Un déverrouillage ne se défait pas. Si le mauvais compte a été réinitialisé, "
                    "prévenez son titulaire, imposez un nouveau mot de passe et signalez l'erreur au "
                    "référent du client."
                ),
                "tier": "N1",
                "duration_minutes": 10,
                "categories": ["Active Directory > Compte verrouillé"],
                "skills": ["AD.ACCOUNTS", "PDT.CUSTOMER"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "ad-diagnostiquer-gpo",
                "title": "Diagnostiquer une GPO qui ne s'applique pas",
                "purpose": (
                    "Comprendre pourquoi un réglage attendu (lecteur réseau, imprimante, restriction) "
                    "n'arrive pas sur un poste : lien, filtrage, réplication ou erreur côté client."
                ),
                "prerequisites": [
                    "Nom exact de la GPO et du poste ou de l'utilisateur concerné",
                    "Session d'administration sur le poste (prise en main à distance) et RSAT GPMC",
                ],
                "steps": [
                    {"text": "Forcez l'application des stratégies sur le poste.", "command": "gpupdate /force"},
                    {"text": "Vérifiez que le poste joint un contrôleur de domaine.",
                     "command": "nltest /dsgetdc:client.local"},
                    {"text": "Produisez le rapport des stratégies appliquées et refusées pour l'utilisateur "
                             "et l'ordinateur.",
                     "command": "gpresult /h C:\\Temp\\gpresult.html /f"},
                    {"text": "Dans le rapport, cherchez la GPO : « Refusée (filtrage de sécurité) », "
                             "« Refusée (lien vide) », « Filtre WMI faux » ou absente.", "command": ""},
                    {"text": "Contrôlez l'état de la GPO (paramètres utilisateur ou ordinateur désactivés).",
                     "command": 'Get-GPO -Name "PDT - Lecteurs réseau" | Format-List DisplayName, GpoStatus, '
                                "ModificationTime"},
                    {"text": "Contrôlez les liens et l'héritage sur l'OU du poste (héritage bloqué, lien désactivé).",
                     "command": 'Get-GPInheritance -Target "OU=Postes,OU=Siege,DC=client,DC=local"'},
                    {"text": "Contrôlez le filtrage de sécurité : le groupe ciblé doit avoir « Appliquer la "
                             "stratégie » et « Authenticated Users » ou « Ordinateurs du domaine » la lecture.",
                     "command": 'Get-GPPermission -Name "PDT - Lecteurs réseau" -All | Format-Table Trustee, Permission'},
                    {"text": "Lisez les erreurs et avertissements du journal de stratégie de groupe du poste.",
                     "command": "Get-WinEvent -LogName Microsoft-Windows-GroupPolicy/Operational -MaxEvents 100 | "
                                "Where-Object Level -le 3 | Format-List TimeCreated, Id, Message"},
                ],
                "verification": (
                    "La GPO figure dans « Objets de stratégie de groupe appliqués » du rapport gpresult et "
                    "le réglage attendu est visible sur le poste après une nouvelle ouverture de session."
                ),
                "rollback": (
                    "Procédure de diagnostic : rien n'est modifié. Si un lien a été réactivé pour test, "
                    "remettez-le dans son état noté au ticket avec Set-GPLink -Name \"<GPO>\" -Target "
                    "\"<OU>\" -LinkEnabled No."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Active Directory > GPO"],
                "skills": ["AD.GPO"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "ad-verifier-replication",
                "title": "Vérifier et relancer la réplication entre contrôleurs de domaine",
                "purpose": (
                    "Établir l'état de la réplication AD et SYSVOL après une alerte de supervision, et "
                    "relancer une réplication en retard sans risque pour l'annuaire."
                ),
                "prerequisites": [
                    "Compte membre de « Admins du domaine » via le bastion du client",
                    "Alerte de supervision ou symptôme (mot de passe non pris en compte sur un site)",
                ],
                "steps": [
                    {"text": "Affichez le résumé de réplication de tous les contrôleurs.",
                     "command": "repadmin /replsummary"},
                    {"text": "Exportez le détail des partenaires et des dernières erreurs.",
                     "command": "repadmin /showrepl * /csv > C:\\Temp\\showrepl.csv"},
                    {"text": "Lancez le diagnostic complet des contrôleurs de l'entreprise.",
                     "command": "dcdiag /e /v /f:C:\\Temp\\dcdiag.txt"},
                    {"text": "Testez le DNS des contrôleurs, cause la plus fréquente des échecs de réplication.",
                     "command": "dcdiag /test:dns /v /e"},
                    {"text": "Vérifiez la synchronisation horaire (écart maximal de 5 minutes pour Kerberos).",
                     "command": "w32tm /monitor"},
                    {"text": "Si les erreurs sont levées (DNS, réseau, heure), relancez la réplication de "
                             "tous les contextes vers tous les partenaires.",
                     "command": "repadmin /syncall /AdeP"},
                    {"text": "En cas d'erreur 8606 (objets persistants) ou 8614 (durée de vie de la "
                             "désactivation dépassée), arrêtez-vous et escaladez en N3 : ne forcez rien.",
                     "command": ""},
                ],
                "verification": (
                    "repadmin /replsummary n'affiche aucun échec et la colonne « largest delta » est "
                    "inférieure à l'intervalle de réplication entre sites (180 minutes par défaut)."
                ),
                "rollback": (
                    "Aucune modification de configuration. Ne désactivez jamais Strict Replication "
                    "Consistency et ne nettoyez pas de métadonnées (ntdsutil) sans le N3."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Active Directory > Réplication"],
                "skills": ["AD.REPL", "AD.DNS"],
                "client": None,
                "review_days": -30,
            },
            {
                "slug": "ad-entra-connect-synchronisation",
                "title": "Traiter un compte qui ne se synchronise pas vers Entra ID",
                "purpose": (
                    "Faire apparaître dans Microsoft 365 un compte créé ou modifié dans l'AD local : "
                    "périmètre de synchronisation, conflit d'attribut, cycle de synchronisation."
                ),
                "prerequisites": [
                    "Accès au serveur Entra Connect du client (groupe ADSyncAdmins)",
                    "Module Microsoft.Graph et rôle GDAP « User Administrator »",
                ],
                "steps": [
                    {"text": "Sur le serveur Entra Connect, vérifiez que le planificateur tourne et que le "
                             "serveur n'est pas en mode intermédiaire (staging).",
                     "command": "Import-Module ADSync\n"
                                "Get-ADSyncScheduler | Format-List SyncCycleEnabled, StagingModeEnabled, "
                                "NextSyncCycleStartTimeInUTC"},
                    {"text": "Vérifiez que le compte est dans une OU synchronisée et que son UPN utilise un "
                             "domaine vérifié du tenant (pas .local).",
                     "command": "Get-ADUser -Identity jdupont -Properties CanonicalName, UserPrincipalName, "
                                "proxyAddresses | Format-List CanonicalName, UserPrincipalName, proxyAddresses"},
                    {"text": "Cherchez un objet cloud qui porte déjà la même adresse (conflit proxyAddresses ou UPN).",
                     "command": "Get-MgUser -Filter \"proxyAddresses/any(p:p eq 'smtp:jdupont@client.fr')\" "
                                "| Format-List DisplayName, UserPrincipalName, OnPremisesSyncEnabled"},
                    {"text": "Consultez les erreurs d'exportation dans Entra ID (Entra Connect > Connect Sync "
                             "> Erreurs de synchronisation) ou dans Synchronization Service Manager, onglet "
                             "Operations.", "command": ""},
                    {"text": "Une fois la cause corrigée, lancez un cycle delta.",
                     "command": "Start-ADSyncSyncCycle -PolicyType Delta"},
                ],
                "verification": (
                    "Get-MgUser -UserId jdupont@client.fr -Property OnPremisesSyncEnabled, "
                    "OnPremisesLastSyncDateTime montre une synchronisation de moins de 30 minutes, et le "
                    "compte reçoit sa licence par son groupe."
                ),
                "rollback": (
                    "Si un attribut a été corrigé à tort, remettez la valeur notée au ticket et relancez un "
                    "cycle delta. Ne lancez jamais de cycle Initial sans l'accord du N3 : il peut durer "
                    "plusieurs heures."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Active Directory > Synchronisation Entra ID"],
                "skills": ["AD.ENTRA", "M365.LIC"],
                "client": None,
                "review_days": 180,
            },
        ],
        "standards": [
            {
                "slug": "ad-socle-securite",
                "title": "Socle de sécurité Active Directory",
                "purpose": (
                    "Réglages de sécurité du domaine appliqués chez chaque client, d'après les "
                    "recommandations de Microsoft et de l'ANSSI pour Active Directory."
                ),
                "settings": [
                    {"parameter": "MinPasswordLength (Default Domain Policy)",
                     "value": "12 caractères",
                     "why": "Longueur minimale recommandée par l'ANSSI pour un mot de passe utilisateur avec verrouillage.",
                     "reference": "https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/minimum-password-length"},
                    {"parameter": "ComplexityEnabled",
                     "value": "Activé",
                     "why": "Impose trois classes de caractères et interdit le nom du compte.",
                     "reference": "https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/password-must-meet-complexity-requirements"},
                    {"parameter": "PasswordHistoryCount",
                     "value": "24",
                     "why": "Empêche la réutilisation d'un ancien mot de passe.",
                     "reference": "https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/enforce-password-history"},
                    {"parameter": "LockoutThreshold / LockoutDuration / LockoutObservationWindow",
                     "value": "10 tentatives / 15 minutes / 15 minutes",
                     "why": "Valeurs de la base de sécurité Microsoft : freine la force brute sans bloquer "
                            "les utilisateurs pour une faute de frappe.",
                     "reference": "https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/account-lockout-threshold"},
                    {"parameter": "Stratégie de mot de passe affinée des administrateurs (PSO)",
                     "value": "New-ADFineGrainedPasswordPolicy -Name \"PSO-Admins\" -Precedence 10 "
                              "-MinPasswordLength 16, appliquée au groupe GG-Admins-T0",
                     "why": "Les comptes à privilèges ont une exigence plus forte que les utilisateurs.",
                     "reference": "https://learn.microsoft.com/windows-server/identity/ad-ds/get-started/adac/fine-grained-password-policies"},
                    {"parameter": "Windows LAPS",
                     "value": "Sauvegarde dans Active Directory, 20 caractères, complexité 4, rotation 30 jours",
                     "why": "Un mot de passe administrateur local unique par poste empêche la propagation latérale.",
                     "reference": "https://learn.microsoft.com/windows-server/identity/laps/laps-management-policy-settings"},
                    {"parameter": "Corbeille Active Directory",
                     "value": "Enable-ADOptionalFeature -Identity 'Recycle Bin Feature' -Scope "
                              "ForestOrConfigurationSet -Target client.local",
                     "why": "Restaure un objet supprimé avec ses attributs et appartenances, sans restauration système.",
                     "reference": "https://learn.microsoft.com/windows-server/identity/ad-ds/get-started/adac/introduction-to-active-directory-administrative-center-enhancements--level-100-#ad_recycle_bin_mgmt"},
                    {"parameter": "Groupe Protected Users",
                     "value": "Tous les comptes d'administration nominatifs membres (jamais les comptes de service)",
                     "why": "Interdit NTLM, la délégation et la mise en cache des identifiants pour ces comptes.",
                     "reference": "https://learn.microsoft.com/windows-server/security/credentials-protection-and-management/protected-users-security-group"},
                    {"parameter": "Signature LDAP des contrôleurs de domaine",
                     "value": "« Contrôleur de domaine : conditions requises pour la signature de serveur "
                              "LDAP » = Exiger la signature",
                     "why": "Bloque les liaisons LDAP simples en clair et les attaques par relais.",
                     "reference": "https://learn.microsoft.com/troubleshoot/windows-server/active-directory/enable-ldap-signing-in-windows-server"},
                    {"parameter": "Mot de passe du compte krbtgt",
                     "value": "Renouvelé tous les 180 jours, en deux fois à 24 heures d'intervalle",
                     "why": "Limite la durée de validité d'un « golden ticket » volé.",
                     "reference": "https://learn.microsoft.com/windows-server/identity/ad-ds/manage/ad-forest-recovery-resetting-the-krbtgt-password"},
                ],
                "checks": [
                    {"text": "La stratégie de mot de passe du domaine respecte le socle.",
                     "command": "Get-ADDefaultDomainPasswordPolicy | Format-List MinPasswordLength, "
                                "ComplexityEnabled, PasswordHistoryCount, LockoutThreshold, LockoutDuration"},
                    {"text": "La corbeille AD est activée (EnabledScopes non vide).",
                     "command": "Get-ADOptionalFeature -Filter 'Name -like \"Recycle*\"' | Format-List Name, EnabledScopes"},
                    {"text": "Aucun poste de l'OU Postes sans mot de passe LAPS.",
                     "command": "Get-ADComputer -Filter * -SearchBase \"OU=Postes,DC=client,DC=local\" -Properties "
                                "msLAPS-PasswordExpirationTime | Where-Object { -not $_.'msLAPS-PasswordExpirationTime' } "
                                "| Select-Object Name"},
                    {"text": "Les comptes d'administration sont dans Protected Users.",
                     "command": 'Get-ADGroupMember -Identity "Protected Users" | Select-Object Name, SamAccountName'},
                    {"text": "Le mot de passe krbtgt date de moins de 180 jours.",
                     "command": "Get-ADUser -Identity krbtgt -Properties PasswordLastSet | Format-List PasswordLastSet"},
                ],
                "categories": ["Active Directory"],
                "skills": ["AD.ACCOUNTS", "AD.GPO", "SEC.HARDEN"],
                "client": None,
                "review_days": 365,
                "deviations": [],
            },
        ],
    },
    # ------------------------------------------------------------------ Intune / Entra ID
    {
        "slug": "intune-entra-id",
        "title": "Microsoft Intune et Entra ID",
        "vendor": "Microsoft",
        "product": "Microsoft Intune, Microsoft Entra ID",
        "versions": "Microsoft 365 Business Premium et E3/E5 (2024-2026), Windows 11 23H2/24H2",
        "domain": "M365",
        "skills": ["M365.INTUNE", "SEC.IAM", "PDT.DEPLOY", "M365.LIC"],
        "doc_links": [
            ("Documentation Microsoft Intune", "https://learn.microsoft.com/mem/intune/"),
            ("Windows Autopilot", "https://learn.microsoft.com/autopilot/"),
            ("Passe d'accès temporaire (TAP)", "https://learn.microsoft.com/entra/identity/authentication/howto-authentication-temporary-access-pass"),
        ],
        "summary": (
            "Identité cloud (Entra ID : MFA, accès conditionnel) et gestion des postes (Intune : "
            "inscription Autopilot, conformité, chiffrement). Un poste non conforme est bloqué par "
            "l'accès conditionnel : la plupart des appels « je n'ai plus accès à Outlook » viennent de là."
        ),
        "procedures": [
            {
                "slug": "entra-reinitialiser-mfa",
                "title": "Réinitialiser la MFA d'un utilisateur qui a changé de téléphone",
                "purpose": (
                    "Permettre à un utilisateur d'enregistrer son nouveau téléphone dans Microsoft "
                    "Authenticator, sans ouvrir de faille d'ingénierie sociale."
                ),
                "prerequisites": [
                    "Identité vérifiée par rappel au numéro de l'annuaire du client ou par son responsable "
                    "(jamais au numéro donné par l'appelant)",
                    "Rôle GDAP « Authentication Administrator » et module Microsoft.Graph",
                ],
                "steps": [
                    {"text": "Connectez-vous à Microsoft Graph sur le tenant du client.",
                     "command": 'Connect-MgGraph -TenantId client.onmicrosoft.com -Scopes '
                                '"UserAuthenticationMethod.ReadWrite.All"'},
                    {"text": "Listez les méthodes enregistrées et repérez l'ancien téléphone dans Authenticator.",
                     "command": "Get-MgUserAuthenticationMicrosoftAuthenticatorMethod -UserId jdupont@client.fr | "
                                "Format-List Id, DisplayName, DeviceTag, CreatedDateTime"},
                    {"text": "Supprimez la méthode Authenticator de l'ancien téléphone.",
                     "command": "Remove-MgUserAuthenticationMicrosoftAuthenticatorMethod -UserId jdupont@client.fr "
                                "-MicrosoftAuthenticatorAuthenticationMethodId <Id>"},
                    {"text": "Créez un passe d'accès temporaire à usage unique valable 60 minutes.",
                     "command": "New-MgUserAuthenticationTemporaryAccessPassMethod -UserId jdupont@client.fr "
                                "-BodyParameter @{ lifetimeInMinutes = 60; isUsableOnce = $true }"},
                    {"text": "Dictez le passe à l'utilisateur au téléphone, puis guidez-le sur "
                             "https://aka.ms/mysecurityinfo pour ajouter Authenticator sur le nouveau téléphone.",
                     "command": ""},
                ],
                "verification": (
                    "Le journal de connexion de l'utilisateur montre une connexion réussie avec MFA par "
                    "Authenticator, et Get-MgUserAuthenticationMicrosoftAuthenticatorMethod liste le "
                    "nouveau téléphone."
                ),
                "rollback": (
                    "Si le passe n'a pas servi, supprimez-le : Remove-MgUserAuthenticationTemporaryAccessPassMethod "
                    "-UserId jdupont@client.fr -TemporaryAccessPassAuthenticationMethodId <Id>."
                ),
                "tier": "N1",
                "duration_minutes": 15,
                "categories": ["Sécurité > MFA et accès conditionnel"],
                "skills": ["SEC.IAM"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "intune-poste-non-conforme",
                "title": "Rendre conforme un poste bloqué par l'accès conditionnel",
                "purpose": (
                    "Remettre en conformité Intune un poste Windows dont l'utilisateur est bloqué "
                    "(« Votre appareil doit être conforme ») et lui rendre l'accès aux applications."
                ),
                "prerequisites": [
                    "Rôle GDAP « Intune Administrator » en lecture, prise en main à distance du poste",
                ],
                "steps": [
                    {"text": "Dans le centre d'administration Intune (Appareils > Windows), ouvrez le poste "
                             "puis « Conformité de l'appareil » et notez le ou les paramètres en échec.",
                     "command": ""},
                    {"text": "Sur le poste, vérifiez la jonction à Entra ID et l'identifiant de l'appareil.",
                     "command": 'dsregcmd /status | findstr /i "AzureAdJoined DeviceId"'},
                    {"text": "Si BitLocker est en échec, contrôlez l'état du chiffrement du disque système.",
                     "command": "Get-BitLockerVolume -MountPoint C: | Format-List VolumeStatus, ProtectionStatus, "
                                "EncryptionMethod"},
                    {"text": "Si l'antivirus est en échec, contrôlez Defender et mettez à jour ses signatures.",
                     "command": "Get-MpComputerStatus | Format-List AMServiceEnabled, RealTimeProtectionEnabled, "
                                "AntivirusSignatureAge\nUpdate-MpSignature"},
                    {"text": "Si la version de Windows est trop ancienne, lancez Windows Update jusqu'à la "
                             "version minimale du socle.", "command": ""},
                    {"text": "Synchronisez le poste (Paramètres > Comptes > Accès Professionnel ou Scolaire > "
                             "Infos > Synchroniser) ou depuis Graph.",
                     "command": "Sync-MgDeviceManagementManagedDevice -ManagedDeviceId <Id>"},
                    {"text": "Attendez la réévaluation (jusqu'à 30 minutes), puis faites fermer et rouvrir "
                             "la session de l'utilisateur.", "command": ""},
                ],
                "verification": (
                    "Le poste apparaît « Conforme » dans Intune et l'utilisateur ouvre Outlook et Teams "
                    "sans message d'accès conditionnel."
                ),
                "rollback": (
                    "Aucun réglage n'est modifié. N'excluez jamais l'utilisateur d'une stratégie d'accès "
                    "conditionnel pour le débloquer : c'est une décision N2 tracée en changement."
                ),
                "tier": "N1",
                "duration_minutes": 30,
                "categories": ["Sécurité > MFA et accès conditionnel", "Microsoft 365 > Intune"],
                "skills": ["M365.INTUNE", "SEC.IAM"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "intune-autopilot-nouveau-poste",
                "title": "Préparer un nouveau poste avec Windows Autopilot",
                "purpose": (
                    "Livrer un poste neuf inscrit dans Intune, chiffré et équipé des applications du "
                    "client, sans masterisation manuelle."
                ),
                "prerequisites": [
                    "Licence Intune attribuée à l'utilisateur final",
                    "Poste neuf ou réinitialisé, branché au réseau filaire",
                    "Balise de groupe (group tag) du client, par exemple « PDT-STANDARD »",
                ],
                "steps": [
                    {"text": "Si le hachage matériel n'a pas été déclaré par le distributeur, à l'écran de "
                             "choix de la région (OOBE) ouvrez une invite avec Maj+F10 puis lancez PowerShell.",
                     "command": "PowerShell.exe -ExecutionPolicy Bypass"},
                    {"text": "Déclarez le poste dans Autopilot avec la balise de groupe du client.",
                     "command": "Install-Script -Name Get-WindowsAutopilotInfo -Force\n"
                                'Get-WindowsAutopilotInfo -Online -GroupTag "PDT-STANDARD"'},
                    {"text": "Dans Intune (Appareils > Windows > Inscription > Appareils), attendez que le "
                             "profil soit « Attribué » (jusqu'à 15 minutes), puis redémarrez le poste.",
                     "command": ""},
                    {"text": "Connectez-vous avec le compte de l'utilisateur ; laissez la page d'état "
                             "d'inscription installer les applications obligatoires sans l'interrompre.",
                     "command": ""},
                    {"text": "Sur le bureau, vérifiez la jonction, le chiffrement et l'activation d'Office.",
                     "command": 'dsregcmd /status | findstr /i "AzureAdJoined"\n'
                                "manage-bde -status C:"},
                    {"text": "Vérifiez que OneDrive redirige Bureau, Documents et Images (sauvegarde des dossiers).",
                     "command": ""},
                ],
                "verification": (
                    "Le poste est « Conforme » dans Intune avec l'utilisateur principal renseigné, "
                    "BitLocker est actif (Protection On) et l'utilisateur ouvre Outlook, Teams et ses "
                    "fichiers OneDrive."
                ),
                "rollback": (
                    "Si la page d'état d'inscription échoue, notez le code d'erreur, collectez les "
                    "journaux (Maj+F10 puis « mdmdiagnosticstool.exe -area Autopilot -cab "
                    "C:\\Temp\\autopilot.cab ») et escaladez en N2 ; le poste se réinitialise ensuite "
                    "depuis Intune (action « Réinitialiser »)."
                ),
                "tier": "N1",
                "duration_minutes": 60,
                "categories": ["Poste de travail > Nouveau poste"],
                "skills": ["PDT.DEPLOY", "M365.INTUNE"],
                "client": None,
                "review_days": 365,
            },
        ],
        "standards": [
            {
                "slug": "intune-conformite-windows",
                "title": "Conformité et sécurité des postes Windows (Intune)",
                "purpose": (
                    "Exigences qu'un poste Windows géré doit remplir pour accéder aux données du "
                    "client, et réglages qui les produisent."
                ),
                "settings": [
                    {"parameter": "Exiger BitLocker",
                     "value": "Exiger (stratégie de conformité, Intégrité de l'appareil)",
                     "why": "Un poste perdu ou volé ne livre pas ses données.",
                     "reference": "https://learn.microsoft.com/mem/intune/protect/compliance-policy-create-windows"},
                    {"parameter": "Démarrage sécurisé",
                     "value": "Exiger",
                     "why": "Empêche le chargement d'un chargeur de démarrage modifié (bootkit).",
                     "reference": "https://learn.microsoft.com/mem/intune/protect/compliance-policy-create-windows"},
                    {"parameter": "Version minimale du système d'exploitation",
                     "value": "10.0.26100 (Windows 11 24H2)",
                     "why": "Seules les versions encore corrigées par Microsoft accèdent aux données.",
                     "reference": "https://learn.microsoft.com/windows/release-health/windows11-release-information"},
                    {"parameter": "Pare-feu et antivirus",
                     "value": "Pare-feu : Exiger ; Microsoft Defender Antimalware : Exiger ; renseignements "
                              "de sécurité à jour : Exiger",
                     "why": "Protection de base du poste vérifiée à chaque évaluation.",
                     "reference": "https://learn.microsoft.com/mem/intune/protect/compliance-policy-create-windows"},
                    {"parameter": "Appareils sans stratégie de conformité",
                     "value": "Marquer comme « Non conforme » ; période de validité de l'état : 30 jours",
                     "why": "Un appareil oublié par les affectations ne passe pas l'accès conditionnel par défaut.",
                     "reference": "https://learn.microsoft.com/mem/intune/protect/device-compliance-get-started"},
                    {"parameter": "Action en cas de non-conformité",
                     "value": "Notification à l'utilisateur immédiate, marquage non conforme après 1 jour",
                     "why": "Laisse une journée à l'utilisateur pour corriger avant d'être bloqué.",
                     "reference": "https://learn.microsoft.com/mem/intune/protect/actions-for-noncompliance"},
                    {"parameter": "Chiffrement BitLocker (Sécurité du point de terminaison)",
                     "value": "XTS-AES 256 bits ; clé de récupération sauvegardée dans Entra ID avant chiffrement",
                     "why": "Algorithme recommandé ; la clé reste récupérable par le support en cas de blocage.",
                     "reference": "https://learn.microsoft.com/mem/intune/protect/encrypt-devices"},
                    {"parameter": "Accès conditionnel",
                     "value": "« Exiger que l'appareil soit marqué comme conforme » pour Office 365, comptes "
                              "de secours (break-glass) exclus",
                     "why": "Seuls les postes gérés et sains accèdent à la messagerie et aux fichiers.",
                     "reference": "https://learn.microsoft.com/entra/identity/conditional-access/policy-all-users-device-compliance"},
                ],
                "checks": [
                    {"text": "Le poste est joint à Entra ID.",
                     "command": 'dsregcmd /status | findstr /i "AzureAdJoined DomainJoined"'},
                    {"text": "Le disque système est chiffré en XTS-AES 256 et protégé.",
                     "command": "Get-BitLockerVolume -MountPoint C: | Format-List EncryptionMethod, ProtectionStatus"},
                    {"text": "Le démarrage sécurisé est actif (doit renvoyer True).",
                     "command": "Confirm-SecureBootUEFI"},
                    {"text": "Aucun poste du tenant n'est non conforme depuis plus de 7 jours.",
                     "command": "Get-MgDeviceManagementManagedDevice -Filter \"complianceState eq 'noncompliant'\" "
                                "-All | Format-Table DeviceName, UserPrincipalName, LastSyncDateTime"},
                ],
                "categories": ["Microsoft 365 > Intune", "Sécurité > MFA et accès conditionnel"],
                "skills": ["M365.INTUNE", "SEC.IAM", "SEC.HARDEN"],
                "client": None,
                "review_days": 365,
                "deviations": [],
            },
        ],
    },
    # ------------------------------------------------------------------ FortiGate
    {
        "slug": "fortigate",
        "title": "FortiGate",
        "vendor": "Fortinet",
        "product": "FortiGate (FortiOS)",
        "versions": "FortiOS 7.2, 7.4 et 7.6",
        "domain": "NET",
        "skills": ["SEC.FW", "NET.VPN", "NET.WAN", "NET.ROUTING", "SEC.HARDEN"],
        "doc_links": [
            ("Documentation FortiGate / FortiOS", "https://docs.fortinet.com/product/fortigate"),
            ("FortiOS 7.4 – Guide d'administration", "https://docs.fortinet.com/product/fortigate/7.4"),
            ("Fortinet PSIRT (vulnérabilités)", "https://www.fortiguard.com/psirt"),
        ],
        "summary": (
            "Pare-feu des sites clients : filtrage, NAT, VPN site à site et nomades, SD-WAN. Le N1 "
            "diagnostique en lecture (journaux, sessions, debug flow limité) ; toute nouvelle règle "
            "ou ouverture de flux est un changement N2."
        ),
        "procedures": [
            {
                "slug": "fgt-diagnostiquer-flux-bloque",
                "title": "Diagnostiquer un accès bloqué par le pare-feu",
                "purpose": (
                    "Établir si le FortiGate bloque un flux signalé par un utilisateur, par quelle "
                    "règle ou quel profil, et fournir au N2 les éléments d'un changement."
                ),
                "prerequisites": [
                    "Accès administrateur en lecture au FortiGate du client (compte nominatif, via le VPN du MSP)",
                    "IP source, destination (IP ou nom), port et heure du blocage",
                ],
                "steps": [
                    {"text": "Depuis le poste de l'utilisateur, confirmez le symptôme.",
                     "command": "Test-NetConnection app.editeur.fr -Port 443"},
                    {"text": "Vérifiez que vous êtes sur le bon équipement (nom, version, VDOM).",
                     "command": "get system status"},
                    {"text": "Dans Journaux et rapports > Trafic transféré, filtrez sur l'IP source et la "
                             "destination ; notez l'action et l'ID de stratégie (0 = refus implicite).",
                     "command": ""},
                    {"text": "Listez les sessions en cours du poste vers ce port.",
                     "command": "diagnose sys session filter clear\n"
                                "diagnose sys session filter src 10.10.20.35\n"
                                "diagnose sys session filter dport 443\n"
                                "diagnose sys session list"},
                    {"text": "Lancez un debug flow limité à 10 paquets pendant que l'utilisateur réessaie.",
                     "command": "diagnose debug flow filter clear\n"
                                "diagnose debug flow filter addr 10.10.20.35\n"
                                "diagnose debug flow filter port 443\n"
                                "diagnose debug flow show function-name enable\n"
                                "diagnose debug console timestamp enable\n"
                                "diagnose debug enable\n"
                                "diagnose debug flow trace start 10"},
                    {"text": "Arrêtez le debug dès que les paquets sont capturés.",
                     "command": "diagnose debug disable\ndiagnose debug reset"},
                    {"text": "Lisez le résultat : « Denied by forward policy check (policy 0) » = aucune règle "
                             "ne l'autorise ; « allowed by policy-N » = le pare-feu n'est pas en cause ; "
                             "un blocage du filtrage web indique la catégorie FortiGuard.", "command": ""},
                    {"text": "Si le flux est légitime et refusé, ouvrez une demande de changement N2 "
                             "(catégorie Réseau > Pare-feu) avec la sortie du debug ; ne créez aucune règle.",
                     "command": ""},
                ],
                "verification": (
                    "La cause est écrite au ticket (règle, profil ou absence de règle) avec la sortie du "
                    "debug, et « diagnose debug info » confirme que le débogage est arrêté."
                ),
                "rollback": "Aucun : procédure en lecture seule, débogage arrêté et réinitialisé.",
                "tier": "N1",
                "duration_minutes": 30,
                "categories": ["Réseau > Pare-feu"],
                "skills": ["SEC.FW", "NET.LAN"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "fgt-vpn-nomade",
                "title": "Dépanner un utilisateur nomade qui ne se connecte pas au VPN",
                "purpose": (
                    "Rétablir la connexion FortiClient d'un utilisateur en déplacement : accès "
                    "Internet, compte, authentification ou négociation IKE."
                ),
                "prerequisites": [
                    "Version de FortiClient, message d'erreur exact et IP publique de l'utilisateur",
                    "Accès administrateur au FortiGate et à l'AD du client",
                ],
                "steps": [
                    {"text": "Vérifiez que l'utilisateur a Internet hors VPN (portail captif d'hôtel, "
                             "partage de connexion) et que le port du VPN répond.",
                     "command": "Test-NetConnection vpn.client.fr -Port 443"},
                    {"text": "Vérifiez le compte : actif, non verrouillé, mot de passe non expiré, membre "
                             "du groupe VPN.",
                     "command": "Get-ADUser -Identity jdupont -Properties LockedOut, PasswordExpired, "
                                "AccountExpirationDate | Format-List Enabled, LockedOut, PasswordExpired, "
                                "AccountExpirationDate\n"
                                "Get-ADPrincipalGroupMembership -Identity jdupont | Select-Object Name"},
                    {"text": "Sur le FortiGate, suivez l'authentification (LDAP/RADIUS) pendant une tentative.",
                     "command": "diagnose debug application fnbamd -1\ndiagnose debug enable"},
                    {"text": "Pour un VPN IPsec (IKEv2), suivez la négociation de cette seule IP publique.",
                     "command": "diagnose vpn ike log filter rem-addr4 203.0.113.10\n"
                                "diagnose debug application ike -1\ndiagnose debug enable"},
                    {"text": "Arrêtez le débogage, puis listez les tunnels établis.",
                     "command": "diagnose debug disable\ndiagnose debug reset\ndiagnose vpn ike gateway list"},
                    {"text": "Corrigez la cause trouvée : mot de passe expiré (procédure AD), jeton MFA "
                             "désynchronisé, horloge du poste décalée ; en dernier recours réinstallez la "
                             "version de FortiClient validée par le MSP.", "command": ""},
                ],
                "verification": (
                    "L'utilisateur apparaît dans « diagnose vpn ike gateway list » (ou le moniteur VPN de "
                    "l'interface) et atteint une ressource interne : Test-NetConnection "
                    "srv-fichiers.client.local -Port 445 réussit."
                ),
                "rollback": (
                    "Aucun réglage modifié ; vérifiez que le débogage est arrêté (« diagnose debug "
                    "disable » puis « diagnose debug reset »)."
                ),
                "tier": "N1",
                "duration_minutes": 25,
                "categories": ["Réseau > VPN"],
                "skills": ["NET.VPN", "SEC.IAM"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "fgt-lien-wan-sdwan",
                "title": "Diagnostiquer un lien WAN dégradé (SD-WAN)",
                "purpose": (
                    "Qualifier une coupure ou une dégradation de lien opérateur et ouvrir chez "
                    "l'opérateur un ticket qu'il ne pourra pas rejeter."
                ),
                "prerequisites": [
                    "Accès administrateur au FortiGate",
                    "Référence du lien et coordonnées du support de l'opérateur (fiche client)",
                ],
                "steps": [
                    {"text": "Vérifiez l'état physique des interfaces WAN (lien, vitesse, duplex).",
                     "command": "get system interface physical"},
                    {"text": "Lisez la mesure de qualité des membres SD-WAN (latence, gigue, pertes, état).",
                     "command": "diagnose sys sdwan health-check\ndiagnose sys sdwan member"},
                    {"text": "Vérifiez que les routes par défaut de chaque lien sont présentes.",
                     "command": "get router info routing-table all"},
                    {"text": "Testez le lien suspect en forçant son adresse source.",
                     "command": "execute ping-options source 203.0.113.2\nexecute ping 1.1.1.1\n"
                                "execute traceroute 1.1.1.1"},
                    {"text": "Faites vérifier sur site les voyants du boîtier opérateur (ONT, routeur) et "
                             "son alimentation.", "command": ""},
                    {"text": "Ouvrez le ticket opérateur avec la référence du lien, les heures de début, la "
                             "sortie du health-check et du traceroute.", "command": ""},
                ],
                "verification": (
                    "Le membre est « alive » dans « diagnose sys sdwan health-check » avec moins de 1 % "
                    "de pertes, et le trafic repasse par le lien principal selon les règles SD-WAN."
                ),
                "rollback": (
                    "Ne modifiez pas les règles SD-WAN sans changement. Si une interface a été "
                    "désactivée pour test, réactivez-la : config system interface / edit wan2 / set "
                    "status up / end."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Réseau > Lien WAN"],
                "skills": ["NET.WAN", "NET.ROUTING"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "fgt-tunnel-boutique-blemoine",
                "title": "Rétablir le tunnel VPN d'une boutique Lemoine vers le siège",
                "purpose": (
                    "Chaque boutique des Boulangeries Lemoine remonte ses ventes au siège par un tunnel "
                    "IPsec (FortiGate 40F vers le FortiGate du siège) : rétablir ce tunnel quand les "
                    "caisses ne se synchronisent plus."
                ),
                "prerequisites": [
                    "Code de la boutique (tunnel nommé VPN-BTQ-<VILLE>, par exemple VPN-BTQ-ANNECY)",
                    "Accès administrateur au FortiGate du siège",
                ],
                "steps": [
                    {"text": "Sur le FortiGate du siège, affichez l'état des tunnels des boutiques.",
                     "command": "get vpn ipsec tunnel summary"},
                    {"text": "Affichez la phase 1 du tunnel de la boutique (état, dernière négociation).",
                     "command": "diagnose vpn ike gateway list name VPN-BTQ-ANNECY"},
                    {"text": "Appelez la boutique : si Internet ne fonctionne pas non plus sur place, c'est "
                             "le lien de la boutique (box opérateur) et non le tunnel.", "command": ""},
                    {"text": "Testez le réseau de la boutique depuis le siège.",
                     "command": "execute ping-options source 10.1.0.1\nexecute ping 10.20.5.1"},
                    {"text": "Si la phase 1 est établie mais le trafic ne passe pas, réinitialisez ce seul "
                             "tunnel, hors des pics d'encaissement (7 h-9 h et 11 h 30-13 h 30).",
                     "command": "diagnose vpn ike gateway clear name VPN-BTQ-ANNECY"},
                    {"text": "Demandez à la boutique de relancer la synchronisation depuis le logiciel de caisse.",
                     "command": ""},
                ],
                "verification": (
                    "« get vpn ipsec tunnel summary » affiche selectors(total,up): 1/1 pour la boutique, "
                    "le ping répond et la caisse affiche la dernière synchronisation à l'heure actuelle."
                ),
                "rollback": (
                    "La réinitialisation coupe le tunnel 30 secondes au plus ; les caisses gardent les "
                    "ventes en local. Si le tunnel ne remonte pas en 5 minutes, escaladez en N2 avec les "
                    "sorties des commandes."
                ),
                "tier": "N1",
                "duration_minutes": 20,
                "categories": ["Réseau > VPN"],
                "skills": ["NET.VPN"],
                "client": "BLEMOINE",
                "review_days": 180,
            },
        ],
        "standards": [
            {
                "slug": "fgt-durcissement-administration",
                "title": "Durcissement de l'administration FortiGate",
                "purpose": (
                    "Réglages de sécurité de l'administration appliqués à chaque FortiGate géré, "
                    "d'après les recommandations de durcissement de Fortinet."
                ),
                "settings": [
                    {"parameter": "config system global > admin-https-redirect",
                     "value": "set admin-https-redirect enable",
                     "why": "L'interface d'administration n'est jamais servie en HTTP clair.",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "config system global > strong-crypto",
                     "value": "set strong-crypto enable",
                     "why": "Seuls les algorithmes forts sont acceptés pour HTTPS et SSH d'administration.",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "config system global > admin-https-ssl-versions",
                     "value": "set admin-https-ssl-versions tlsv1-2 tlsv1-3",
                     "why": "TLS 1.0 et 1.1 sont obsolètes (RFC 8996).",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "config system global > admintimeout",
                     "value": "set admintimeout 10",
                     "why": "Une session d'administration oubliée se ferme après 10 minutes.",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "config system global > admin-lockout-threshold / admin-lockout-duration",
                     "value": "set admin-lockout-threshold 3 ; set admin-lockout-duration 300",
                     "why": "Freine la force brute sur les comptes d'administration.",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "Accès d'administration sur les interfaces WAN",
                     "value": "set allowaccess ping (ni https, ni ssh, ni http sur wan1/wan2)",
                     "why": "L'administration passe par le VPN du MSP : l'interface n'est pas exposée à Internet.",
                     "reference": "https://www.fortiguard.com/psirt"},
                    {"parameter": "Comptes administrateurs",
                     "value": "Comptes nominatifs avec FortiToken, set trusthost1 <réseau MSP>/32 ; compte "
                              "« admin » par défaut supprimé",
                     "why": "Chaque action est attribuable et limitée aux adresses du MSP.",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "config system auto-install",
                     "value": "set auto-install-config disable ; set auto-install-image disable",
                     "why": "Une clé USB branchée sur le boîtier ne peut pas charger une configuration ou un firmware.",
                     "reference": "https://docs.fortinet.com/product/fortigate/7.4"},
                    {"parameter": "Journalisation",
                     "value": "config log fortianalyzer setting / set status enable ; set logtraffic all sur "
                              "les règles",
                     "why": "Les journaux sortent du boîtier et restent disponibles pour une enquête.",
                     "reference": "https://docs.fortinet.com/product/fortianalyzer"},
                    {"parameter": "Firmware",
                     "value": "Version « recommandée » de Fortinet pour le modèle, correctifs PSIRT critiques "
                              "appliqués sous 7 jours",
                     "why": "Les failles des VPN FortiGate sont exploitées dans les jours qui suivent leur publication.",
                     "reference": "https://www.fortiguard.com/psirt"},
                ],
                "checks": [
                    {"text": "Version du firmware et nom de l'équipement.", "command": "get system status"},
                    {"text": "Réglages globaux d'administration conformes.",
                     "command": "show full-configuration system global | grep admin\n"
                                "show full-configuration system global | grep strong-crypto"},
                    {"text": "Aucun accès d'administration sur le WAN.",
                     "command": "show system interface wan1 | grep allowaccess"},
                    {"text": "Chaque administrateur a une adresse de confiance.",
                     "command": "show system admin | grep -f trusthost1"},
                    {"text": "Les journaux partent vers FortiAnalyzer.",
                     "command": "execute log fortianalyzer test-connectivity"},
                ],
                "categories": ["Sécurité > Pare-feu", "Réseau > Pare-feu"],
                "skills": ["SEC.FW", "SEC.HARDEN"],
                "client": None,
                "review_days": 365,
                "deviations": [],
            },
        ],
    },
    # ------------------------------------------------------------------ Veeam
    {
        "slug": "veeam-backup-replication",
        "title": "Veeam Backup & Replication",
        "vendor": "Veeam",
        "product": "Veeam Backup & Replication",
        "versions": "Veeam Backup & Replication 12.1 à 12.3",
        "domain": "INFRA",
        "skills": ["INFRA.BACKUP", "INFRA.STORAGE", "INFRA.DRP"],
        "doc_links": [
            ("Guide utilisateur (VMware vSphere)", "https://helpcenter.veeam.com/docs/backup/vsphere/overview.html"),
            ("Référence PowerShell Veeam", "https://helpcenter.veeam.com/docs/backup/powershell/getting_started.html"),
            ("Dépôt renforcé (Hardened Repository)", "https://helpcenter.veeam.com/docs/backup/vsphere/hardened_repository.html"),
        ],
        "summary": (
            "Sauvegarde des machines virtuelles et serveurs des clients, avec copie hors site vers "
            "le Cloud Connect du MSP. Le N1 suit les échecs et restaure des fichiers ; toute "
            "suppression de sauvegarde ou modification de rétention relève du N2."
        ),
        "procedures": [
            {
                "slug": "veeam-job-en-echec",
                "title": "Analyser et relancer un job de sauvegarde en échec",
                "purpose": (
                    "Traiter l'alerte « job Failed » du matin : trouver la machine et la cause, "
                    "relancer les seules machines en échec, escalader si l'échec se répète."
                ),
                "prerequisites": [
                    "Accès à la console Veeam du client par le bastion du MSP",
                    "PowerShell Veeam (module Veeam.Backup.PowerShell, installé avec la console)",
                ],
                "steps": [
                    {"text": "Listez les jobs avec leur dernier résultat.",
                     "command": "Get-VBRJob | Select-Object Name, JobType, @{n='Dernier résultat'; "
                                "e={ $_.GetLastResult() }} | Format-Table -AutoSize"},
                    {"text": "Affichez les 5 dernières sessions du job en échec.",
                     "command": 'Get-VBRBackupSession | Where-Object { $_.JobName -eq "BKP-SRV-QUOTIDIEN" } | '
                                "Sort-Object CreationTime -Descending | Select-Object -First 5 Name, Result, "
                                "CreationTime, EndTime"},
                    {"text": "Affichez le détail par machine de la dernière session et notez la raison de l'échec.",
                     "command": '$s = Get-VBRBackupSession | Where-Object { $_.JobName -eq "BKP-SRV-QUOTIDIEN" } | '
                                "Sort-Object CreationTime -Descending | Select-Object -First 1\n"
                                "$s.GetTaskSessions() | Select-Object Name, Status, @{n='Raison'; "
                                "e={ $_.Info.Reason }} | Format-Table -Wrap"},
                    {"text": "Si la raison est une erreur VSS, vérifiez les writers sur la machine concernée "
                             "(tous doivent être « Stable », sans erreur).",
                     "command": "vssadmin list writers"},
                    {"text": "Si la raison est un dépôt plein, arrêtez-vous et appliquez la procédure N2 "
                             "« Libérer de l'espace sur un dépôt de sauvegarde ».", "command": ""},
                    {"text": "Relancez le job pour les seules machines en échec.",
                     "command": 'Get-VBRJob -Name "BKP-SRV-QUOTIDIEN" | Start-VBRJob -RetryBackup -RunAsync'},
                    {"text": "Si la relance échoue à nouveau, ou si le job échoue deux nuits de suite, "
                             "escaladez en N2 avec le rapport HTML de la session (clic droit > Rapport).",
                     "command": ""},
                ],
                "verification": (
                    "La session de relance se termine en « Success » (ou « Warning » expliqué au ticket) "
                    "et chaque machine du job a un point de restauration de moins de 24 heures."
                ),
                "rollback": (
                    "Aucun. Ne supprimez jamais de point de restauration et n'arrêtez pas un job en cours "
                    "d'écriture pour « débloquer » une situation."
                ),
                "tier": "N1",
                "duration_minutes": 20,
                "categories": ["Infrastructure > Sauvegarde"],
                "skills": ["INFRA.BACKUP"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "veeam-restaurer-fichier",
                "title": "Restaurer un fichier ou un dossier depuis la sauvegarde d'une VM",
                "purpose": (
                    "Rendre à un utilisateur un fichier supprimé ou écrasé sur un serveur de fichiers, "
                    "sans écraser la version actuelle."
                ),
                "prerequisites": [
                    "Chemin exact et date à laquelle le fichier était bon",
                    "Accord du responsable si le dossier n'appartient pas au demandeur",
                ],
                "steps": [
                    {"text": "Listez les points de restauration disponibles pour le serveur.",
                     "command": 'Get-VBRRestorePoint -Name "SRV-FICHIERS" | Sort-Object CreationTime -Descending | '
                                "Select-Object -First 10 CreationTime, Type"},
                    {"text": "Dans la console, Accueil > Sauvegardes > Disque, clic droit sur la VM > "
                             "Restaurer les fichiers invités > Microsoft Windows.", "command": ""},
                    {"text": "Choisissez le point de restauration antérieur à la suppression et saisissez "
                             "le numéro du ticket comme motif.", "command": ""},
                    {"text": "Dans Veeam Backup Browser, naviguez jusqu'au fichier, puis choisissez "
                             "Restaurer > Conserver : le fichier est restauré à côté de l'original avec le "
                             "préfixe RESTORED-.", "command": ""},
                    {"text": "Fermez le Backup Browser pour démonter le point de restauration.", "command": ""},
                ],
                "verification": (
                    "L'utilisateur ouvre le fichier RESTORED-…, confirme que c'est la bonne version, puis "
                    "le renomme ; les droits NTFS du dossier sont inchangés."
                ),
                "rollback": "Supprimez la copie RESTORED-… si la version restaurée n'est pas la bonne.",
                "tier": "N1",
                "duration_minutes": 30,
                "categories": ["Infrastructure > Sauvegarde"],
                "skills": ["INFRA.BACKUP"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "veeam-depot-plein",
                "title": "Libérer de l'espace sur un dépôt de sauvegarde",
                "purpose": (
                    "Rendre de la place sur un dépôt plein sans perdre de point de restauration exigé "
                    "par le contrat du client."
                ),
                "prerequisites": [
                    "Accord écrit du référent du client avant toute suppression de sauvegarde",
                    "Rétention contractuelle du client (fiche client)",
                ],
                "steps": [
                    {"text": "Identifiez le dépôt et son type (Windows, Linux renforcé, SOBR).",
                     "command": "Get-VBRBackupRepository | Select-Object Name, Type, Path"},
                    {"text": "Mesurez l'espace libre du volume du dépôt.",
                     "command": "Get-Volume -DriveLetter E | Format-List SizeRemaining, Size\n"
                                "df -h /mnt/veeam-repo"},
                    {"text": "Dans Accueil > Sauvegardes > Disque (orphelines), repérez les sauvegardes de "
                             "machines supprimées ou de jobs retirés.", "command": ""},
                    {"text": "Vérifiez qu'aucun job n'a vu sa rétention allongée récemment (Journal "
                             "d'historique > Système).", "command": ""},
                    {"text": "Avec l'accord du référent, supprimez les sauvegardes orphelines hors "
                             "rétention (clic droit > Supprimer du disque) ; une sauvegarde encore "
                             "immuable ne peut pas l'être avant l'échéance.", "command": ""},
                    {"text": "Si l'espace reste insuffisant, proposez l'ajout d'une extension au SOBR ou le "
                             "déplacement d'un job (Move backup) en changement planifié.", "command": ""},
                ],
                "verification": (
                    "Le dépôt dispose de plus de 20 % d'espace libre et le job suivant se termine en "
                    "« Success »."
                ),
                "rollback": (
                    "Une suppression est définitive : notez au ticket la liste des chaînes supprimées et "
                    "l'accord du référent avant d'agir. Un déplacement de job se défait par un nouveau "
                    "Move backup vers le dépôt d'origine."
                ),
                "tier": "N2",
                "duration_minutes": 45,
                "categories": ["Infrastructure > Sauvegarde", "Infrastructure > Supervision"],
                "skills": ["INFRA.BACKUP", "INFRA.STORAGE"],
                "client": None,
                "review_days": 180,
            },
        ],
        "standards": [
            {
                "slug": "veeam-regle-3-2-1-1-0",
                "title": "Règle 3-2-1-1-0 et configuration Veeam",
                "purpose": (
                    "Architecture et réglages de sauvegarde exigés chez chaque client, pour résister à "
                    "une panne matérielle comme à un rançongiciel."
                ),
                "settings": [
                    {"parameter": "Règle de copies",
                     "value": "3-2-1-1-0 : 3 copies, 2 supports, 1 hors site, 1 immuable, 0 erreur à la vérification",
                     "why": "Recommandation Veeam face aux rançongiciels qui visent d'abord les sauvegardes.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/backup_copy.html"},
                    {"parameter": "Dépôt principal",
                     "value": "Dépôt Linux renforcé (XFS, fast clone), « Make recent backups immutable for » = 14 jours",
                     "why": "Les sauvegardes récentes ne peuvent être ni chiffrées ni supprimées, même avec "
                            "les identifiants du serveur Veeam.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/hardened_repository.html"},
                    {"parameter": "Copie hors site",
                     "value": "Job de copie vers le Cloud Connect du MSP, immuabilité 30 jours",
                     "why": "Une copie survit à la perte totale du site du client.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/cloud/cloud_connect_intro.html"},
                    {"parameter": "Rétention",
                     "value": "30 points quotidiens ; GFS : 4 hebdomadaires, 12 mensuels",
                     "why": "Couvre une corruption découverte tardivement et les demandes de restauration à un an.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/gfs_retention_policy.html"},
                    {"parameter": "Chiffrement des sauvegardes",
                     "value": "Activé sur les jobs et les copies (AES 256), mot de passe dans le coffre du MSP",
                     "why": "Une copie hors site volée reste illisible.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/encryption_standards.html"},
                    {"parameter": "Traitement applicatif (application-aware processing)",
                     "value": "Activé pour les contrôleurs de domaine, SQL Server et Exchange ; troncature "
                              "des journaux SQL selon le modèle de récupération",
                     "why": "Sauvegardes cohérentes et restaurations granulaires (objet AD, base SQL).",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/application_aware_processing.html"},
                    {"parameter": "Vérification",
                     "value": "Job SureBackup mensuel et contrôle d'intégrité (« health check ») mensuel",
                     "why": "Une sauvegarde jamais restaurée n'est pas une sauvegarde : c'est le « 0 » de la règle.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/surebackup_job.html"},
                    {"parameter": "Sauvegarde de la configuration",
                     "value": "Quotidienne, chiffrée, vers un dépôt distinct du serveur Veeam",
                     "why": "Reconstruit le serveur Veeam et ses mots de passe après un sinistre.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/vbr_config.html"},
                    {"parameter": "Serveur Veeam",
                     "value": "Hors du domaine de production (groupe de travail), MFA activée sur la console",
                     "why": "Un attaquant administrateur du domaine n'obtient pas pour autant les sauvegardes.",
                     "reference": "https://helpcenter.veeam.com/docs/backup/vsphere/best_practices_analyzer.html"},
                ],
                "checks": [
                    {"text": "Aucune session en échec sur les dernières 24 heures.",
                     "command": "Get-VBRBackupSession | Where-Object { $_.CreationTime -gt (Get-Date).AddDays(-1) "
                                "-and $_.Result -ne 'Success' } | Select-Object JobName, Result, CreationTime"},
                    {"text": "Tous les jobs chiffrent leurs sauvegardes.",
                     "command": "Get-VBRJob | Select-Object Name, @{n='Chiffré'; "
                                "e={ $_.GetOptions().BackupStorageOptions.StorageEncryptionEnabled }}"},
                    {"text": "La sauvegarde de configuration est active et a réussi.",
                     "command": "Get-VBRConfigurationBackupJob | Format-List"},
                    {"text": "Le dépôt principal est un dépôt renforcé ; dans la console, ses propriétés "
                             "affichent l'immuabilité de 14 jours.",
                     "command": "Get-VBRBackupRepository | Select-Object Name, Type"},
                    {"text": "Le dernier test SureBackup date de moins de 31 jours.",
                     "command": "Get-VBRSureBackupSession | Sort-Object CreationTime -Descending | Select-Object -First 3"},
                ],
                "categories": ["Infrastructure > Sauvegarde"],
                "skills": ["INFRA.BACKUP", "INFRA.DRP", "INFRA.STORAGE"],
                "client": None,
                "review_days": 365,
                "deviations": [],
            },
        ],
    },
    # ------------------------------------------------------------------ 3CX
    {
        "slug": "3cx",
        "title": "3CX",
        "vendor": "3CX",
        "product": "3CX Phone System",
        "versions": "3CX V20 (Debian 12), postes Yealink et Fanvil provisionnés",
        "domain": "TEL",
        "skills": ["TEL.IPBX", "TEL.SIP", "TEL.QOS"],
        "doc_links": [
            ("Manuel administrateur 3CX", "https://www.3cx.com/docs/manual/"),
            ("Vérificateur de pare-feu 3CX", "https://www.3cx.com/docs/firewall-checker/"),
            ("Dépannage avec le vérificateur de pare-feu", "https://www.3cx.com/docs/troubleshooting-firewall-checker/"),
        ],
        "summary": (
            "IPBX des clients (hébergé chez le MSP ou sur site) : postes, groupes d'appel, SVI et "
            "trunks SIP opérateur. Le N1 gère postes et utilisateurs depuis la console "
            "d'administration ; les trunks et le pare-feu relèvent du N2."
        ),
        "procedures": [
            {
                "slug": "3cx-poste-non-enregistre",
                "title": "Remettre en service un poste qui n'est plus enregistré",
                "purpose": (
                    "Rétablir un téléphone IP qui affiche « Non enregistré » ou « Pas de service » "
                    "après un déménagement de bureau, une coupure ou une réinitialisation."
                ),
                "prerequisites": [
                    "Accès à la console d'administration 3CX du client",
                    "Modèle du poste, adresse MAC (étiquette au dos) et numéro de poste",
                ],
                "steps": [
                    {"text": "Dans la console, Tableau de bord > Téléphones, retrouvez le poste par son "
                             "adresse MAC et notez son état et son adresse IP.", "command": ""},
                    {"text": "Faites vérifier que le câble réseau est branché sur le port « LAN » du poste et "
                             "que l'écran affiche une adresse IP du VLAN voix (menu Statut).", "command": ""},
                    {"text": "Depuis un poste du même réseau, vérifiez que le téléphone répond.",
                     "command": "ping 10.10.50.23"},
                    {"text": "Redémarrez le poste depuis Tableau de bord > Téléphones > Redémarrer.", "command": ""},
                    {"text": "S'il ne s'enregistre toujours pas, lancez « Reprovisionner » depuis la même page.",
                     "command": ""},
                    {"text": "Si le poste a été réinitialisé en usine, rattachez son adresse MAC à "
                             "l'utilisateur (Utilisateurs > utilisateur > Provisionnement du téléphone).",
                     "command": ""},
                ],
                "verification": (
                    "Le poste est vert dans Tableau de bord > Téléphones ; l'utilisateur compose *777 "
                    "(test d'écho) et entend sa voix, puis passe un appel entrant et sortant."
                ),
                "rollback": (
                    "Le reprovisionnement réapplique la configuration de la console : si des touches de "
                    "fonction ont disparu, recréez-les dans l'onglet BLF de l'utilisateur."
                ),
                "tier": "N1",
                "duration_minutes": 15,
                "categories": ["Téléphonie > Poste / IPBX"],
                "skills": ["TEL.IPBX"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "3cx-creer-utilisateur",
                "title": "Créer un utilisateur 3CX et l'ajouter à un groupe d'appel",
                "purpose": "Équiper un nouvel arrivant d'un numéro, d'un poste et de sa place dans les groupes d'appel.",
                "prerequisites": [
                    "Demande du client avec nom, adresse e-mail, numéro direct (SDA) et groupes d'appel",
                    "Plan de numérotation du client (fiche client)",
                ],
                "steps": [
                    {"text": "Dans Utilisateurs > Ajouter, saisissez le numéro de poste libre du plan de "
                             "numérotation, le prénom, le nom et l'adresse e-mail.", "command": ""},
                    {"text": "Renseignez la SDA en format international (+33450123456) comme identifiant "
                             "d'appelant sortant et comme règle entrante.", "command": ""},
                    {"text": "Dans Provisionnement du téléphone, ajoutez le modèle et l'adresse MAC du poste.",
                     "command": ""},
                    {"text": "Dans Groupes d'appel, ouvrez chaque groupe demandé et ajoutez le poste aux membres.",
                     "command": ""},
                    {"text": "Enregistrez : l'utilisateur reçoit le courriel de bienvenue avec l'application "
                             "et le code de messagerie vocale à personnaliser.", "command": ""},
                ],
                "verification": (
                    "Un appel vers la SDA fait sonner le poste, un appel vers le groupe fait sonner le "
                    "nouvel utilisateur, et l'appelé voit la SDA en appel sortant."
                ),
                "rollback": "Supprimez l'utilisateur (Utilisateurs > Supprimer) : le numéro de poste redevient libre.",
                "tier": "N1",
                "duration_minutes": 20,
                "categories": ["Téléphonie > Poste / IPBX"],
                "skills": ["TEL.IPBX"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "3cx-trunk-sip-hors-service",
                "title": "Rétablir un trunk SIP hors service",
                "purpose": (
                    "Rétablir les appels externes quand le trunk opérateur n'est plus enregistré : "
                    "identifiants, adresse IP publique, pare-feu ou incident opérateur."
                ),
                "prerequisites": [
                    "Accès à la console 3CX, au FortiGate du client et en SSH au serveur 3CX",
                    "Coordonnées et référence du trunk chez l'opérateur",
                ],
                "steps": [
                    {"text": "Dans Voice & Chat, notez l'état du trunk (rouge = non enregistré) ; dans "
                             "Tableau de bord > Journal des événements, relevez le code de refus "
                             "(401/403 identifiants, 408 délai dépassé).", "command": ""},
                    {"text": "Lancez le vérificateur de pare-feu (Tableau de bord > Pare-feu).", "command": ""},
                    {"text": "Vérifiez que l'adresse IP publique n'a pas changé par rapport à celle déclarée "
                             "à l'opérateur.",
                     "command": "dig +short myip.opendns.com @resolver1.opendns.com"},
                    {"text": "Sur le FortiGate, vérifiez que l'ALG SIP est désactivé (socle 3CX).",
                     "command": "show system settings | grep -f sip\nshow system session-helper | grep -f sip"},
                    {"text": "Capturez 2 minutes de signalisation SIP pour l'opérateur.",
                     "command": "sudo timeout 120 tcpdump -i any -n port 5060 -w /tmp/trunk-sip.pcap"},
                    {"text": "Forcez un nouvel enregistrement du trunk depuis Voice & Chat ; si le refus "
                             "persiste, ouvrez un ticket opérateur avec la capture.", "command": ""},
                ],
                "verification": (
                    "Le trunk est vert dans Voice & Chat ; un appel depuis un mobile vers le numéro "
                    "principal aboutit, un appel sortant vers un mobile aussi, avec l'audio dans les deux sens."
                ),
                "rollback": (
                    "Ne modifiez pas les identifiants du trunk sans confirmation de l'opérateur ; en cas "
                    "de doute, restaurez les réglages du trunk depuis la dernière sauvegarde 3CX."
                ),
                "tier": "N2",
                "duration_minutes": 40,
                "categories": ["Téléphonie > Trunk SIP"],
                "skills": ["TEL.SIP", "TEL.QOS"],
                "client": None,
                "review_days": 180,
            },
        ],
        "standards": [
            {
                "slug": "3cx-socle-ipbx",
                "title": "Socle de configuration 3CX et de son pare-feu",
                "purpose": (
                    "Réglages exigés pour chaque IPBX 3CX et le pare-feu qui le protège : qualité des "
                    "appels, sécurité contre la fraude téléphonique, sauvegarde."
                ),
                "settings": [
                    {"parameter": "ALG SIP du FortiGate",
                     "value": "config system settings / set default-voip-alg-mode kernel-helper-based / set "
                              "sip-expectation disable ; session-helper SIP supprimé",
                     "why": "L'ALG réécrit les paquets SIP et provoque audio unidirectionnel et désenregistrements.",
                     "reference": "https://www.3cx.com/docs/firewall-checker/"},
                    {"parameter": "Redirection de ports",
                     "value": "5060 UDP/TCP (SIP), 5090 UDP/TCP (tunnel), 9000-10999 UDP (RTP), 5001 TCP "
                              "(HTTPS), sans translation de port",
                     "why": "3CX exige une redirection un pour un avec préservation des ports.",
                     "reference": "https://www.3cx.com/docs/troubleshooting-firewall-checker/"},
                    {"parameter": "Codecs du trunk",
                     "value": "G.711 A-law (PCMA) en premier, puis G.722 ; G.729 désactivé",
                     "why": "Codec des opérateurs français, sans transcodage ni perte de qualité.",
                     "reference": "https://www.3cx.com/docs/manual/"},
                    {"parameter": "Numéros d'urgence",
                     "value": "15, 17, 18, 112, 114, 115, 119 routés en priorité vers le trunk principal",
                     "why": "Les appels d'urgence ne doivent jamais être bloqués ni dépendre d'un préfixe.",
                     "reference": "https://www.3cx.com/docs/manual/"},
                    {"parameter": "Pays autorisés en sortie",
                     "value": "France et pays de l'UE utiles au client ; international et numéros surtaxés "
                              "(089x) bloqués",
                     "why": "Limite le coût d'une fraude par piratage d'un poste.",
                     "reference": "https://www.3cx.com/docs/manual/"},
                    {"parameter": "Anti-piratage et liste noire d'adresses",
                     "value": "Activés ; adresses de l'opérateur et du MSP en liste blanche",
                     "why": "Bloque les scanners SIP qui testent des mots de passe de postes.",
                     "reference": "https://www.3cx.com/docs/manual/"},
                    {"parameter": "Sauvegarde",
                     "value": "Quotidienne, avec messageries vocales, vers le SFTP du MSP, 7 versions",
                     "why": "Reconstruit l'IPBX en moins d'une heure sur un nouveau serveur.",
                     "reference": "https://www.3cx.com/docs/manual/"},
                    {"parameter": "Enregistrement des appels",
                     "value": "Désactivé par défaut ; s'il est activé, message d'information des "
                              "correspondants et durée de conservation définie",
                     "why": "Exigence de la CNIL sur l'écoute et l'enregistrement des appels au travail.",
                     "reference": "https://www.cnil.fr/fr/lecoute-et-lenregistrement-des-appels-sur-le-lieu-de-travail"},
                ],
                "checks": [
                    {"text": "Le vérificateur de pare-feu (Tableau de bord > Pare-feu) est entièrement vert.",
                     "command": ""},
                    {"text": "L'ALG SIP est désactivé sur le FortiGate (aucun session-helper « sip »).",
                     "command": "show system settings | grep -f sip\nshow system session-helper | grep -f sip"},
                    {"text": "Les numéros d'urgence passent par le trunk principal dans les règles sortantes "
                             "(ne passez jamais d'appel de test vers un numéro d'urgence).", "command": ""},
                    {"text": "La dernière sauvegarde date de moins de 24 heures et se trouve sur le SFTP du MSP.",
                     "command": ""},
                    {"text": "La console d'administration répond en HTTPS.",
                     "command": "Test-NetConnection pbx.client.fr -Port 5001"},
                ],
                "categories": ["Téléphonie", "Téléphonie > Trunk SIP"],
                "skills": ["TEL.IPBX", "TEL.SIP", "SEC.FW"],
                "client": None,
                "review_days": -15,
                "deviations": [],
            },
        ],
    },
    # ------------------------------------------------------------------ DNS / DHCP Windows
    {
        "slug": "windows-server-dns-dhcp",
        "title": "DNS et DHCP Windows Server",
        "vendor": "Microsoft",
        "product": "Windows Server, rôles DNS et DHCP",
        "versions": "Windows Server 2019, 2022 et 2025",
        "domain": "AD",
        "skills": ["AD.DNS", "INFRA.WINSRV"],
        "doc_links": [
            ("DNS dans Windows Server", "https://learn.microsoft.com/windows-server/networking/dns/dns-top"),
            ("DHCP dans Windows Server", "https://learn.microsoft.com/windows-server/networking/technologies/dhcp/dhcp-top"),
        ],
        "summary": (
            "Résolution de noms (zones intégrées à AD sur les contrôleurs de domaine) et adressage "
            "des postes (DHCP en basculement entre deux serveurs). Une panne DNS se voit partout : "
            "session lente, lecteurs absents, GPO non appliquées."
        ),
        "procedures": [
            {
                "slug": "dns-resolution-poste",
                "title": "Résoudre un problème de résolution de noms sur un poste",
                "purpose": "Rendre l'accès à une ressource interne ou externe qu'un poste n'atteint plus « par son nom ».",
                "prerequisites": ["Prise en main à distance du poste", "Nom de la ressource inaccessible"],
                "steps": [
                    {"text": "Vérifiez que les serveurs DNS du poste sont les contrôleurs de domaine, et non "
                             "la box ou un DNS public.", "command": "ipconfig /all"},
                    {"text": "Testez la résolution du nom interne.",
                     "command": "Resolve-DnsName -Name intranet.client.local"},
                    {"text": "Interrogez chaque contrôleur pour savoir si l'un d'eux répond mal.",
                     "command": "nslookup intranet.client.local 10.10.0.10\nnslookup intranet.client.local 10.10.0.11"},
                    {"text": "Contrôlez le fichier hosts et notez au ticket toute entrée avant de la retirer.",
                     "command": "Get-Content C:\\Windows\\System32\\drivers\\etc\\hosts"},
                    {"text": "Videz le cache DNS du poste et réenregistrez-le dans le DNS.",
                     "command": "ipconfig /flushdns\nipconfig /registerdns"},
                    {"text": "Testez un nom externe par le contrôleur pour vérifier les redirecteurs.",
                     "command": "Resolve-DnsName -Name www.microsoft.com -Server 10.10.0.10"},
                    {"text": "Si un contrôleur de domaine répond mal ou pas, escaladez en N2.", "command": ""},
                ],
                "verification": "Le nom se résout vers la bonne adresse et l'utilisateur ouvre la ressource.",
                "rollback": "Remettez dans le fichier hosts toute entrée retirée à tort, d'après le contenu noté au ticket.",
                "tier": "N1",
                "duration_minutes": 15,
                "categories": ["Poste de travail", "Réseau"],
                "skills": ["AD.DNS", "PDT.WIN"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "dhcp-etendue-pleine",
                "title": "Traiter une étendue DHCP saturée",
                "purpose": "Rendre des adresses disponibles quand de nouveaux appareils n'obtiennent plus d'IP (169.254.x.x).",
                "prerequisites": ["Module DhcpServer (RSAT) et droits « Administrateurs DHCP »"],
                "steps": [
                    {"text": "Affichez le taux d'occupation de chaque étendue.",
                     "command": "Get-DhcpServerv4ScopeStatistics -ComputerName srv-dc01 | Format-Table ScopeId, "
                                "Free, InUse, PercentageInUse"},
                    {"text": "Listez les baux de l'étendue saturée et repérez les appareils inconnus.",
                     "command": "Get-DhcpServerv4Lease -ComputerName srv-dc01 -ScopeId 10.10.30.0 | Sort-Object "
                                "LeaseExpiryTime | Format-Table IPAddress, HostName, ClientId, AddressState, "
                                "LeaseExpiryTime"},
                    {"text": "Supprimez les baux BAD_ADDRESS (conflits d'adresse).",
                     "command": "Remove-DhcpServerv4Lease -ComputerName srv-dc01 -ScopeId 10.10.30.0 -BadLeases"},
                    {"text": "Sur une étendue Wi-Fi invités, réduisez la durée de bail à 4 heures (notez "
                             "l'ancienne valeur au ticket).",
                     "command": "Set-DhcpServerv4Scope -ComputerName srv-dc01 -ScopeId 10.10.30.0 -LeaseDuration 04:00:00"},
                    {"text": "Répliquez la modification vers le serveur partenaire du basculement.",
                     "command": "Invoke-DhcpServerv4FailoverReplication -ComputerName srv-dc01 -ScopeId 10.10.30.0"},
                ],
                "verification": (
                    "L'étendue passe sous 80 % d'occupation et un appareil obtient une adresse après "
                    "« ipconfig /renew »."
                ),
                "rollback": (
                    "Remettez la durée de bail notée au ticket, par exemple Set-DhcpServerv4Scope "
                    "-ComputerName srv-dc01 -ScopeId 10.10.30.0 -LeaseDuration 8.00:00:00, puis répliquez."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Réseau", "Réseau > Wi-Fi"],
                "skills": ["AD.DNS", "NET.LAN"],
                "client": None,
                "review_days": 365,
            },
        ],
        "standards": [
            {
                "slug": "dns-dhcp-socle",
                "title": "Socle DNS et DHCP Windows Server",
                "purpose": "Configuration attendue des rôles DNS et DHCP chez chaque client doté d'un Active Directory.",
                "settings": [
                    {"parameter": "Type et réplication des zones",
                     "value": "Intégrées à Active Directory, réplication « Tous les serveurs DNS de ce domaine »",
                     "why": "Zones répliquées et sécurisées avec l'annuaire, sans transfert de zone.",
                     "reference": "https://learn.microsoft.com/windows-server/networking/dns/dns-top"},
                    {"parameter": "Mises à jour dynamiques",
                     "value": "Sécurisées uniquement (Set-DnsServerPrimaryZone -DynamicUpdate Secure)",
                     "why": "Seuls les membres du domaine enregistrent leurs noms.",
                     "reference": "https://learn.microsoft.com/powershell/module/dnsserver/set-dnsserverprimaryzone"},
                    {"parameter": "Nettoyage (scavenging)",
                     "value": "Zone : vieillissement actif, non-actualisation 7 jours, actualisation 7 jours ; "
                              "nettoyage activé sur un seul serveur tous les 7 jours",
                     "why": "Supprime les enregistrements obsolètes qui renvoient vers de mauvaises adresses.",
                     "reference": "https://learn.microsoft.com/powershell/module/dnsserver/set-dnsserverscavenging"},
                    {"parameter": "Redirecteurs",
                     "value": "Résolveurs filtrants du MSP (deux adresses), indications de racine en secours",
                     "why": "Résolution externe rapide, filtrée et journalisée.",
                     "reference": "https://learn.microsoft.com/powershell/module/dnsserver/set-dnsserverforwarder"},
                    {"parameter": "Basculement DHCP",
                     "value": "Équilibrage de charge 50/50 entre deux serveurs, MCLT 1 heure, secret partagé",
                     "why": "Les postes obtiennent une adresse même si un serveur est arrêté.",
                     "reference": "https://learn.microsoft.com/powershell/module/dhcpserver/add-dhcpserverv4failover"},
                    {"parameter": "Durée des baux",
                     "value": "8 jours en filaire, 8 heures en Wi-Fi, 4 heures en Wi-Fi invités",
                     "why": "Adaptée au renouvellement des appareils de chaque réseau.",
                     "reference": "https://learn.microsoft.com/windows-server/networking/technologies/dhcp/dhcp-top"},
                    {"parameter": "Options DHCP",
                     "value": "003 passerelle, 006 les deux contrôleurs de domaine (jamais un DNS public), 015 "
                              "suffixe DNS du domaine",
                     "why": "Un poste qui interroge un DNS public ne trouve plus le domaine.",
                     "reference": "https://learn.microsoft.com/windows-server/networking/technologies/dhcp/dhcp-top"},
                    {"parameter": "Mises à jour DNS par le DHCP",
                     "value": "Compte de service dédié (Set-DhcpServerDnsCredential), protection des noms activée",
                     "why": "Évite qu'un appareil non Windows usurpe le nom d'un autre.",
                     "reference": "https://learn.microsoft.com/powershell/module/dhcpserver/set-dhcpserverv4dnssetting"},
                ],
                "checks": [
                    {"text": "Les zones sont intégrées à AD avec mises à jour sécurisées.",
                     "command": "Get-DnsServerZone | Format-Table ZoneName, ZoneType, IsDsIntegrated, DynamicUpdate"},
                    {"text": "Le nettoyage est actif avec les intervalles du socle.",
                     "command": "Get-DnsServerScavenging\nGet-DnsServerZoneAging -Name client.local"},
                    {"text": "Les redirecteurs sont ceux du MSP.", "command": "Get-DnsServerForwarder"},
                    {"text": "Le basculement DHCP est en état « Normal ».",
                     "command": "Get-DhcpServerv4Failover -ComputerName srv-dc01 | Format-Table Name, PartnerServer, "
                                "Mode, State, LoadBalancePercent"},
                ],
                "categories": ["Active Directory", "Réseau"],
                "skills": ["AD.DNS", "INFRA.WINSRV"],
                "client": None,
                "review_days": 365,
                "deviations": [],
            },
        ],
    },
    # ------------------------------------------------------------------ Teams
    {
        "slug": "microsoft-teams",
        "title": "Microsoft Teams et Teams Phone",
        "vendor": "Microsoft",
        "product": "Microsoft Teams, Teams Phone (Direct Routing)",
        "versions": "Nouveau Teams (client 2.x), Microsoft 365 (2024-2026), module MicrosoftTeams 6.x",
        "domain": "M365",
        "skills": ["M365.TEAMS", "TEL.TEAMSPHONE"],
        "doc_links": [
            ("Documentation Microsoft Teams", "https://learn.microsoft.com/microsoftteams/"),
            ("Routage direct (Direct Routing)", "https://learn.microsoft.com/microsoftteams/direct-routing-landing-page"),
            ("Set-CsPhoneNumberAssignment", "https://learn.microsoft.com/powershell/module/teams/set-csphonenumberassignment"),
        ],
        "summary": (
            "Réunions, conversations et téléphonie Teams des clients. La plupart des incidents "
            "client se règlent par le cache ; l'attribution des numéros (routage direct) est N2."
        ),
        "procedures": [
            {
                "slug": "teams-vider-cache",
                "title": "Vider le cache du client Teams",
                "purpose": "Corriger un client Teams qui ne charge plus, n'affiche pas les messages ou reste sur un ancien compte.",
                "prerequisites": [
                    "Aucun incident en cours dans le centre d'administration Microsoft 365 (Santé du service)",
                    "Prise en main à distance du poste",
                ],
                "steps": [
                    {"text": "Faites quitter Teams (icône de la zone de notification > Quitter), puis fermez "
                             "le processus restant.",
                     "command": "Stop-Process -Name ms-teams -Force -ErrorAction SilentlyContinue"},
                    {"text": "Supprimez le cache du nouveau Teams.",
                     "command": 'Remove-Item -Path "$env:LOCALAPPDATA\\Packages\\MSTeams_8wekyb3d8bbwe\\LocalCache\\'
                                'Microsoft\\MSTeams\\*" -Recurse -Force'},
                    {"text": "Relancez Teams depuis le menu Démarrer et faites reconnecter l'utilisateur.", "command": ""},
                    {"text": "Si le problème persiste, réinitialisez l'application.",
                     "command": "Get-AppxPackage MSTeams | Reset-AppxPackage"},
                ],
                "verification": "Teams s'ouvre sur le bon compte et affiche les conversations et le calendrier à jour.",
                "rollback": "Aucun : le cache se reconstruit à l'ouverture ; seuls les réglages locaux d'affichage sont perdus.",
                "tier": "N1",
                "duration_minutes": 10,
                "categories": ["Microsoft 365 > Teams"],
                "skills": ["M365.TEAMS", "PDT.WIN"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "teams-attribuer-numero",
                "title": "Attribuer un numéro Teams Phone en routage direct",
                "purpose": "Permettre à un utilisateur d'appeler et d'être appelé sur sa SDA depuis Teams.",
                "prerequisites": [
                    "Licence Teams Phone Standard (ou E5) attribuée à l'utilisateur",
                    "SDA libre chez l'opérateur du SBC, au format E.164",
                    "Rôle GDAP « Teams Administrator », module MicrosoftTeams",
                ],
                "steps": [
                    {"text": "Vérifiez la licence Teams Phone (plan MCOEV).",
                     "command": "Get-MgUserLicenseDetail -UserId jdupont@client.fr | Select-Object SkuPartNumber"},
                    {"text": "Connectez-vous et vérifiez l'état téléphonique de l'utilisateur.",
                     "command": "Connect-MicrosoftTeams -TenantId <TenantId>\n"
                                "Get-CsOnlineUser -Identity jdupont@client.fr | Format-List EnterpriseVoiceEnabled, "
                                "LineUri, OnlineVoiceRoutingPolicy, UsageLocation"},
                    {"text": "Vérifiez que le numéro n'est attribué à personne.",
                     "command": 'Get-CsPhoneNumberAssignment -TelephoneNumber "+33450123456"'},
                    {"text": "Attribuez le numéro.",
                     "command": 'Set-CsPhoneNumberAssignment -Identity jdupont@client.fr -PhoneNumber '
                                '"+33450123456" -PhoneNumberType DirectRouting'},
                    {"text": "Attribuez la stratégie de routage vocal et le plan de numérotation du client.",
                     "command": 'Grant-CsOnlineVoiceRoutingPolicy -Identity jdupont@client.fr -PolicyName "VRP-France"\n'
                                'Grant-CsTenantDialPlan -Identity jdupont@client.fr -PolicyName "DP-France"'},
                    {"text": "Faites déconnecter puis reconnecter l'utilisateur à Teams (jusqu'à 1 heure de propagation).",
                     "command": ""},
                ],
                "verification": (
                    "Le pavé numérique apparaît dans Teams > Appels ; un appel vers la SDA sonne dans "
                    "Teams et un appel sortant présente la SDA."
                ),
                "rollback": (
                    'Remove-CsPhoneNumberAssignment -Identity jdupont@client.fr -PhoneNumber "+33450123456" '
                    "-PhoneNumberType DirectRouting."
                ),
                "tier": "N2",
                "duration_minutes": 20,
                "categories": ["Téléphonie > Teams Phone"],
                "skills": ["TEL.TEAMSPHONE", "M365.LIC"],
                "client": None,
                "review_days": 180,
            },
        ],
        "standards": [],
    },
    # ------------------------------------------------------------------ VMware vSphere
    {
        "slug": "vmware-vsphere",
        "title": "VMware vSphere",
        "vendor": "Broadcom (VMware)",
        "product": "vCenter Server et ESXi",
        "versions": "vSphere 7.0 U3 et 8.0, VMware PowerCLI 13",
        "domain": "INFRA",
        "skills": ["INFRA.VIRT", "INFRA.STORAGE", "INFRA.MONITOR"],
        "doc_links": [
            ("Documentation VMware vSphere", "https://techdocs.broadcom.com/us/en/vmware-cis/vsphere.html"),
            ("VMware PowerCLI", "https://developer.broadcom.com/powercli"),
        ],
        "summary": (
            "Hôtes et machines virtuelles des clients. Les alertes les plus fréquentes viennent des "
            "snapshots oubliés et des banques de données pleines : une banque pleine met les VM en pause."
        ),
        "procedures": [
            {
                "slug": "vsphere-snapshots-anciens",
                "title": "Supprimer les snapshots de plus de 72 heures",
                "purpose": (
                    "Supprimer les snapshots oubliés avant qu'ils ne remplissent la banque de données et "
                    "ne dégradent les performances des VM."
                ),
                "prerequisites": [
                    "Accès à vCenter (rôle opérateur de VM), PowerCLI installé",
                    "Accord écrit du propriétaire du snapshot, noté au ticket",
                ],
                "steps": [
                    {"text": "Connectez-vous au vCenter du client.",
                     "command": "Connect-VIServer -Server vcenter.client.local"},
                    {"text": "Listez les snapshots de plus de 72 heures avec leur taille.",
                     "command": "Get-VM | Get-Snapshot | Where-Object { $_.Created -lt (Get-Date).AddHours(-72) } | "
                                "Select-Object VM, Name, Description, Created, @{n='Taille (Go)'; "
                                "e={ [math]::Round($_.SizeGB, 1) }} | Format-Table -AutoSize"},
                    {"text": "Pour un snapshot « VEEAM BACKUP TEMPORARY SNAPSHOT », vérifiez d'abord qu'aucun "
                             "job Veeam ne traite cette VM.", "command": ""},
                    {"text": "Vérifiez que la banque de données a au moins la taille du snapshot en espace libre.",
                     "command": 'Get-VM -Name "SRV-APP01" | Get-Datastore | Select-Object Name, FreeSpaceGB'},
                    {"text": "Supprimez le snapshot (hors heures ouvrées s'il dépasse 50 Go).",
                     "command": 'Get-Snapshot -VM "SRV-APP01" -Name "Avant MAJ ERP" | Remove-Snapshot -RunAsync -Confirm:$false'},
                    {"text": "Une fois la tâche terminée, consolidez les VM qui le demandent.",
                     "command": "Get-VM | Where-Object { $_.ExtensionData.Runtime.ConsolidationNeeded } | "
                                "ForEach-Object { $_.ExtensionData.ConsolidateVMDisks_Task() }"},
                ],
                "verification": (
                    "La liste des snapshots de plus de 72 heures est vide et aucune VM n'affiche "
                    "« Consolidation des disques requise »."
                ),
                "rollback": (
                    "La suppression d'un snapshot est irréversible (fusion dans le disque de base) : "
                    "aucune suppression sans l'accord écrit du propriétaire."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Infrastructure > Virtualisation", "Infrastructure > Supervision"],
                "skills": ["INFRA.VIRT"],
                "client": None,
                "review_days": 180,
            },
            {
                "slug": "vsphere-banque-donnees-pleine",
                "title": "Traiter une alerte de banque de données presque pleine",
                "purpose": "Rendre de l'espace à une banque de données avant que les VM ne se mettent en pause.",
                "prerequisites": ["Accès à vCenter, PowerCLI installé"],
                "steps": [
                    {"text": "Classez les banques de données par pourcentage d'espace libre.",
                     "command": "Get-Datastore | Select-Object Name, @{n='Capacité (Go)'; e={ [math]::Round($_.CapacityGB) }}, "
                                "@{n='Libre (Go)'; e={ [math]::Round($_.FreeSpaceGB) }}, @{n='Libre %'; "
                                "e={ [math]::Round($_.FreeSpaceGB / $_.CapacityGB * 100, 1) }} | Sort-Object 'Libre %'"},
                    {"text": "Si une VM est en pause (question « espace disque insuffisant »), escaladez "
                             "immédiatement en N3 par téléphone.", "command": ""},
                    {"text": "Cherchez des snapshots sur cette banque et appliquez la procédure de suppression.",
                     "command": 'Get-VM -Datastore "DS-PROD-01" | Get-Snapshot | Select-Object VM, Name, Created, SizeGB'},
                    {"text": "Listez les VM les plus consommatrices de la banque.",
                     "command": 'Get-VM -Datastore "DS-PROD-01" | Sort-Object UsedSpaceGB -Descending | '
                                "Select-Object Name, UsedSpaceGB, ProvisionedSpaceGB -First 10"},
                    {"text": "Avec accord du référent, déplacez à chaud une VM non critique vers une banque "
                             "disposant de place (Storage vMotion).",
                     "command": 'Move-VM -VM "SRV-TEST02" -Datastore "DS-PROD-02"'},
                ],
                "verification": "La banque de données dépasse 15 % d'espace libre et l'alarme vCenter est levée.",
                "rollback": 'Ramenez la VM sur sa banque d\'origine : Move-VM -VM "SRV-TEST02" -Datastore "DS-PROD-01".',
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Infrastructure > Supervision", "Infrastructure > Virtualisation"],
                "skills": ["INFRA.VIRT", "INFRA.STORAGE", "INFRA.MONITOR"],
                "client": None,
                "review_days": 365,
            },
        ],
        "standards": [],
    },
    # ------------------------------------------------------------------ Postes Windows
    {
        "slug": "windows-11-postes",
        "title": "Postes Windows 11",
        "vendor": "Microsoft",
        "product": "Windows 11 Professionnel et Entreprise",
        "versions": "Windows 11 23H2 et 24H2",
        "domain": "PDT",
        "skills": ["PDT.WIN", "PDT.PRINT", "PDT.REMOTE"],
        "doc_links": [
            ("Documentation Windows (gestion des clients)", "https://learn.microsoft.com/windows/client-management/"),
            ("Réparer une image Windows (DISM)", "https://learn.microsoft.com/windows-hardware/manufacture/desktop/repair-a-windows-image"),
        ],
        "summary": (
            "Postes de travail des utilisateurs des clients. Le N1 intervient par prise en main à "
            "distance, avec l'accord de l'utilisateur, et documente chaque action dans le ticket."
        ),
        "procedures": [
            {
                "slug": "win-file-impression-bloquee",
                "title": "Débloquer une file d'impression",
                "purpose": "Faire imprimer de nouveau un poste dont les documents restent « en attente » ou « erreur ».",
                "prerequisites": ["Prise en main à distance avec droits administrateur local (LAPS)", "Nom de l'imprimante"],
                "steps": [
                    {"text": "Affichez l'état des imprimantes du poste.",
                     "command": "Get-Printer | Format-Table Name, PrinterStatus, PortName, DriverName"},
                    {"text": "Vérifiez que l'imprimante répond sur le réseau (port RAW 9100).",
                     "command": "Test-NetConnection 10.10.40.15 -Port 9100"},
                    {"text": "Supprimez les travaux bloqués de la file.",
                     "command": 'Get-PrintJob -PrinterName "COPIEUR-RDC" | Remove-PrintJob'},
                    {"text": "Si la file reste bloquée, redémarrez le spouleur en vidant son dossier.",
                     "command": "Stop-Service -Name Spooler -Force\n"
                                'Remove-Item -Path "$env:SystemRoot\\System32\\spool\\PRINTERS\\*" -Force\n'
                                "Start-Service -Name Spooler"},
                    {"text": "Imprimez une page de test.",
                     "command": 'rundll32 printui.dll,PrintUIEntry /k /n "COPIEUR-RDC"'},
                    {"text": "Si l'imprimante passe par un serveur d'impression, vérifiez la même file sur le "
                             "serveur ; sinon escaladez en N2.", "command": ""},
                ],
                "verification": "La page de test sort et l'utilisateur imprime son document.",
                "rollback": "Aucun ; prévenez l'utilisateur que les travaux supprimés doivent être relancés.",
                "tier": "N1",
                "duration_minutes": 15,
                "categories": ["Poste de travail > Impression"],
                "skills": ["PDT.PRINT"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "win-reparer-fichiers-systeme",
                "title": "Réparer les fichiers système d'un poste instable",
                "purpose": (
                    "Corriger un poste qui plante, dont le menu Démarrer ou les mises à jour échouent, "
                    "en réparant l'image Windows avant d'envisager une réinstallation."
                ),
                "prerequisites": [
                    "Prise en main à distance avec droits administrateur local",
                    "Accord de l'utilisateur pour un redémarrage",
                ],
                "steps": [
                    {"text": "Créez un point de restauration.",
                     "command": 'Checkpoint-Computer -Description "Avant réparation - ticket" -RestorePointType MODIFY_SETTINGS'},
                    {"text": "Réparez le magasin de composants de Windows (10 à 30 minutes).",
                     "command": "DISM /Online /Cleanup-Image /RestoreHealth"},
                    {"text": "Vérifiez et réparez les fichiers système.", "command": "sfc /scannow"},
                    {"text": "Analysez le système de fichiers en ligne.", "command": "chkdsk C: /scan"},
                    {"text": "Relevez les erreurs récentes du journal Système.",
                     "command": "Get-WinEvent -LogName System -MaxEvents 200 | Where-Object Level -le 2 | "
                                "Format-Table TimeCreated, ProviderName, Id -AutoSize"},
                    {"text": "Redémarrez le poste et faites reproduire le symptôme par l'utilisateur.",
                     "command": "Restart-Computer"},
                ],
                "verification": (
                    "sfc /scannow indique qu'aucune violation d'intégrité n'a été trouvée ou qu'elles ont "
                    "été réparées, et le symptôme ne se reproduit pas."
                ),
                "rollback": "Revenez au point de restauration créé à la première étape (rstrui.exe).",
                "tier": "N1",
                "duration_minutes": 60,
                "categories": ["Poste de travail"],
                "skills": ["PDT.WIN"],
                "client": None,
                "review_days": 365,
            },
        ],
        "standards": [],
    },
    # ------------------------------------------------------------------ Hébergement web Linux
    {
        "slug": "hebergement-web-linux",
        "title": "Hébergement web Linux (Nginx, Let's Encrypt)",
        "vendor": "F5 (Nginx), Let's Encrypt",
        "product": "Nginx, Certbot",
        "versions": "Debian 12, Ubuntu 22.04 et 24.04 LTS, Nginx 1.22+, Certbot 2.x",
        "domain": "HEB",
        "skills": ["HEB.WEB", "HEB.CERT", "HEB.DNS", "INFRA.LINUX"],
        "doc_links": [
            ("Documentation Nginx", "https://nginx.org/en/docs/"),
            ("Documentation Certbot", "https://eff-certbot.readthedocs.io/"),
            ("Générateur de configuration TLS de Mozilla", "https://ssl-config.mozilla.org/"),
        ],
        "summary": (
            "Sites et applications web hébergés par le MSP pour ses clients, derrière Nginx avec "
            "certificats Let's Encrypt renouvelés automatiquement, et zones DNS publiques des clients."
        ),
        "procedures": [
            {
                "slug": "web-certificat-expire",
                "title": "Renouveler un certificat Let's Encrypt expiré",
                "purpose": "Rétablir un site qui affiche « Votre connexion n'est pas privée » à cause d'un certificat expiré.",
                "prerequisites": ["Accès SSH au serveur web avec sudo", "Nom du site (FQDN)"],
                "steps": [
                    {"text": "Confirmez l'expiration depuis l'extérieur.",
                     "command": "echo | openssl s_client -connect www.client.fr:443 -servername www.client.fr "
                                "2>/dev/null | openssl x509 -noout -subject -issuer -dates"},
                    {"text": "Sur le serveur, listez les certificats gérés par Certbot et leur échéance.",
                     "command": "sudo certbot certificates"},
                    {"text": "Vérifiez que le minuteur de renouvellement automatique est actif.",
                     "command": "systemctl list-timers certbot.timer"},
                    {"text": "Vérifiez que le nom pointe toujours vers ce serveur (sinon le défi HTTP-01 échoue).",
                     "command": "dig +short A www.client.fr"},
                    {"text": "Testez le renouvellement à blanc.",
                     "command": "sudo certbot renew --cert-name www.client.fr --dry-run"},
                    {"text": "Si le test réussit, renouvelez puis rechargez Nginx après contrôle de la configuration.",
                     "command": "sudo certbot renew --cert-name www.client.fr\n"
                                "sudo nginx -t && sudo systemctl reload nginx"},
                    {"text": "Si le test échoue, escaladez en N2 avec la fin de "
                             "/var/log/letsencrypt/letsencrypt.log.",
                     "command": "sudo tail -n 50 /var/log/letsencrypt/letsencrypt.log"},
                ],
                "verification": (
                    "La commande openssl de la première étape affiche une date notAfter dans environ 90 "
                    "jours et le navigateur n'affiche plus d'alerte."
                ),
                "rollback": (
                    "Certbot garde les anciens certificats dans /etc/letsencrypt/archive ; si « nginx -t » "
                    "échoue, ne rechargez pas et escaladez : le site continue de tourner sur l'ancienne configuration."
                ),
                "tier": "N1",
                "duration_minutes": 20,
                "categories": ["Hébergement > Certificat expiré"],
                "skills": ["HEB.CERT"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "web-verifier-propagation-dns",
                "title": "Vérifier la propagation d'une modification DNS publique",
                "purpose": "Confirmer qu'un changement d'enregistrement (bascule de site, nouveau MX) est visible partout.",
                "prerequisites": ["Valeur attendue et ancienne valeur notées au ticket", "Nom des serveurs faisant autorité"],
                "steps": [
                    {"text": "Identifiez les serveurs de noms faisant autorité pour le domaine.",
                     "command": "dig +short NS client.fr"},
                    {"text": "Interrogez directement un serveur faisant autorité : il doit déjà renvoyer la nouvelle valeur.",
                     "command": "dig +short A www.client.fr @ns1.hebergeur-dns.fr"},
                    {"text": "Interrogez les grands résolveurs publics et notez le TTL restant.",
                     "command": "dig +noall +answer www.client.fr @1.1.1.1\ndig +noall +answer www.client.fr @8.8.8.8"},
                    {"text": "Depuis un poste Windows du client, videz le cache et vérifiez.",
                     "command": "ipconfig /flushdns\nResolve-DnsName -Name www.client.fr -Type A"},
                    {"text": "Vérifiez que la messagerie n'a pas été touchée par la modification.",
                     "command": "dig +short MX client.fr"},
                ],
                "verification": "Les serveurs faisant autorité et les résolveurs publics renvoient la nouvelle valeur une fois le TTL écoulé.",
                "rollback": "Reprenez l'ancienne valeur notée au ticket chez le bureau d'enregistrement ; elle se propage dans la durée du TTL.",
                "tier": "N1",
                "duration_minutes": 15,
                "categories": ["Hébergement > DNS public"],
                "skills": ["HEB.DNS"],
                "client": None,
                "review_days": 365,
            },
            {
                "slug": "linux-service-web-arrete",
                "title": "Remettre en route un service web arrêté",
                "purpose": "Rétablir un site hébergé qui ne répond plus (erreur 502 ou connexion refusée).",
                "prerequisites": ["Accès SSH avec sudo au serveur", "Supervision montrant l'heure de début"],
                "steps": [
                    {"text": "Vérifiez l'état du service et ses derniers messages.",
                     "command": "systemctl status nginx\nsudo journalctl -u nginx --since \"1 hour ago\" --no-pager"},
                    {"text": "Vérifiez l'espace disque et les inodes, cause fréquente d'arrêt.",
                     "command": "df -h\ndf -i"},
                    {"text": "Contrôlez la configuration et les dernières erreurs.",
                     "command": "sudo nginx -t\nsudo tail -n 50 /var/log/nginx/error.log"},
                    {"text": "En cas d'erreur 502, vérifiez l'application derrière Nginx (PHP-FPM ici).",
                     "command": "systemctl status php8.2-fpm"},
                    {"text": "Redémarrez le service en cause, puis vérifiez qu'il écoute.",
                     "command": "sudo systemctl restart nginx\nsudo ss -ltnp | grep -E ':(80|443) '"},
                ],
                "verification": "curl -I https://www.client.fr renvoie HTTP 200 et la supervision repasse au vert.",
                "rollback": (
                    "Si une modification récente de configuration est en cause, restaurez le fichier "
                    "sauvegardé (sudo cp site.conf.bak site.conf), puis sudo nginx -t et sudo systemctl reload nginx."
                ),
                "tier": "N2",
                "duration_minutes": 30,
                "categories": ["Infrastructure > Serveur Linux", "Hébergement"],
                "skills": ["INFRA.LINUX", "HEB.WEB"],
                "client": None,
                "review_days": 365,
            },
        ],
        "standards": [
            {
                "slug": "web-tls-nginx",
                "title": "Configuration TLS des sites hébergés (Nginx)",
                "purpose": (
                    "Réglages TLS et HTTP de chaque site hébergé, d'après le profil « Intermediate » "
                    "de Mozilla, et renouvellement automatique des certificats."
                ),
                "settings": [
                    {"parameter": "ssl_protocols", "value": "TLSv1.2 TLSv1.3",
                     "why": "TLS 1.0 et 1.1 sont obsolètes (RFC 8996) et refusés par les navigateurs.",
                     "reference": "https://ssl-config.mozilla.org/"},
                    {"parameter": "ssl_ciphers / ssl_prefer_server_ciphers",
                     "value": "Liste Mozilla « Intermediate » ; ssl_prefer_server_ciphers off",
                     "why": "Uniquement des suites à confidentialité persistante, compatibles avec les clients courants.",
                     "reference": "https://wiki.mozilla.org/Security/Server_Side_TLS"},
                    {"parameter": "Strict-Transport-Security",
                     "value": 'add_header Strict-Transport-Security "max-age=63072000" always;',
                     "why": "Le navigateur n'utilise plus jamais HTTP pour ce site pendant 2 ans.",
                     "reference": "https://nginx.org/en/docs/http/ngx_http_headers_module.html"},
                    {"parameter": "Redirection HTTP vers HTTPS",
                     "value": "return 301 https://$host$request_uri; (sauf /.well-known/acme-challenge/)",
                     "why": "Tout accès en clair est redirigé, sans bloquer les défis Let's Encrypt.",
                     "reference": "https://nginx.org/en/docs/http/ngx_http_rewrite_module.html#return"},
                    {"parameter": "server_tokens", "value": "off",
                     "why": "La version de Nginx n'est pas affichée aux scanners.",
                     "reference": "https://nginx.org/en/docs/http/ngx_http_core_module.html#server_tokens"},
                    {"parameter": "ssl_session_tickets / ssl_session_timeout", "value": "off / 1d",
                     "why": "Préserve la confidentialité persistante tout en gardant la reprise de session.",
                     "reference": "https://ssl-config.mozilla.org/"},
                    {"parameter": "Renouvellement automatique",
                     "value": "certbot.timer actif ; --deploy-hook \"systemctl reload nginx\"",
                     "why": "Certificats de 90 jours renouvelés à 30 jours de l'échéance sans intervention.",
                     "reference": "https://eff-certbot.readthedocs.io/en/stable/using.html#automated-renewals"},
                    {"parameter": "Enregistrement CAA", "value": 'client.fr. CAA 0 issue "letsencrypt.org"',
                     "why": "Seule Let's Encrypt peut émettre un certificat pour le domaine.",
                     "reference": "https://letsencrypt.org/docs/caa/"},
                    {"parameter": "Supervision de l'échéance", "value": "Alerte à 21 jours de l'expiration",
                     "why": "Le renouvellement automatique a échoué si l'alerte se déclenche : il reste 3 semaines.",
                     "reference": "https://letsencrypt.org/docs/integration-guide/"},
                ],
                "checks": [
                    {"text": "La configuration active porte les réglages du socle.",
                     "command": 'sudo nginx -T | grep -E "ssl_protocols|server_tokens|Strict-Transport-Security"'},
                    {"text": "TLS 1.1 est refusé (la poignée de main doit échouer).",
                     "command": "openssl s_client -connect www.client.fr:443 -servername www.client.fr -tls1_1 </dev/null"},
                    {"text": "L'en-tête HSTS est servi.",
                     "command": "curl -sI https://www.client.fr | grep -i strict-transport-security"},
                    {"text": "L'enregistrement CAA est publié.", "command": "dig +short CAA client.fr"},
                    {"text": "Le minuteur de renouvellement est actif.", "command": "systemctl list-timers certbot.timer"},
                ],
                "categories": ["Hébergement", "Hébergement > Certificat expiré"],
                "skills": ["HEB.CERT", "HEB.WEB", "SEC.HARDEN"],
                "client": None,
                "review_days": 365,
                "deviations": [],
            },
        ],
    },
]


# ---------------------------------------------------------------------- self-check
TIERS = {"N1", "N2", "N3"}
SOLUTION_KEYS = {"slug", "title", "vendor", "product", "versions", "domain", "skills", "doc_links",
                 "summary", "procedures", "standards"}
PROCEDURE_KEYS = {"slug", "title", "purpose", "prerequisites", "steps", "verification", "rollback", "tier",
                  "duration_minutes", "categories", "skills", "client", "review_days"}
STANDARD_KEYS = {"slug", "title", "purpose", "settings", "checks", "categories", "skills", "client",
                 "review_days", "deviations"}


def _seed() -> tuple[set, set, set, set]:
    """Domain codes, skill codes, categories and client codes of the demo seed."""
    import csv
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with open(root / "skills" / "data" / "catalogue.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    domains = {row["domain_code"] for row in rows}
    skills = {row["skill_code"] for row in rows}
    with open(root / "routing_bridge" / "data" / "category_rules.csv", encoding="utf-8", newline="") as handle:
        categories = {row["category"] for row in csv.DictReader(handle)}
    demo = (root / "academy" / "demo.py").read_text(encoding="utf-8")
    block = demo[demo.index("DEMO_CLIENTS = ["):]
    block = block[:block.index("]")]
    clients = set(re.findall(r'\(\s*"([A-Z0-9-]+)"\s*,', block))
    return domains, skills, categories, clients


def check() -> list[str]:
    """Every way SOLUTIONS departs from the expected format or from the seed, as messages."""
    domains, skill_codes, categories, clients = _seed()
    errors: list[str] = []
    slugs: set[str] = set()

    def links(where: str, doc: dict) -> None:
        if not doc["categories"]:
            errors.append(f"{where}: no category")
        errors.extend(f"{where}: unknown category {c!r}" for c in doc["categories"] if c not in categories)
        errors.extend(f"{where}: unknown skill {s!r}" for s in doc["skills"] if s not in skill_codes)
        if doc["client"] is not None and doc["client"] not in clients:
            errors.append(f"{where}: unknown client {doc['client']!r}")
        if not isinstance(doc["review_days"], int):
            errors.append(f"{where}: review_days is not an integer")
        if doc["slug"] in slugs:
            errors.append(f"{where}: duplicate slug")
        slugs.add(doc["slug"])

    for solution in SOLUTIONS:
        where = solution.get("slug", "?")
        if set(solution) != SOLUTION_KEYS:
            errors.append(f"{where}: keys {sorted(set(solution) ^ SOLUTION_KEYS)}")
            continue
        if solution["slug"] in slugs:
            errors.append(f"{where}: duplicate slug")
        slugs.add(solution["slug"])
        if solution["domain"] not in domains:
            errors.append(f"{where}: unknown domain {solution['domain']!r}")
        errors.extend(f"{where}: unknown skill {s!r}" for s in solution["skills"] if s not in skill_codes)
        for title, url in solution["doc_links"]:
            if not title or not url.startswith("https://"):
                errors.append(f"{where}: bad doc link {title!r} {url!r}")
        if not 2 <= len(solution["procedures"]) <= 4:
            errors.append(f"{where}: {len(solution['procedures'])} procedures, expected 2 to 4")
        for procedure in solution["procedures"]:
            pwhere = f"{where}/{procedure.get('slug', '?')}"
            if set(procedure) != PROCEDURE_KEYS:
                errors.append(f"{pwhere}: keys {sorted(set(procedure) ^ PROCEDURE_KEYS)}")
                continue
            links(pwhere, procedure)
            if procedure["tier"] not in TIERS:
                errors.append(f"{pwhere}: tier {procedure['tier']!r}")
            if not (isinstance(procedure["duration_minutes"], int) and procedure["duration_minutes"] > 0):
                errors.append(f"{pwhere}: duration_minutes")
            if not procedure["steps"] or any(set(step) != {"text", "command"} or not step["text"]
                                             for step in procedure["steps"]):
                errors.append(f"{pwhere}: steps must be non-empty {{text, command}} rows")
            if not (procedure["prerequisites"] and procedure["verification"] and procedure["rollback"]):
                errors.append(f"{pwhere}: prerequisites, verification and rollback are required")
        for standard in solution["standards"]:
            swhere = f"{where}/{standard.get('slug', '?')}"
            if set(standard) != STANDARD_KEYS:
                errors.append(f"{swhere}: keys {sorted(set(standard) ^ STANDARD_KEYS)}")
                continue
            links(swhere, standard)
            if not 5 <= len(standard["settings"]) <= 10:
                errors.append(f"{swhere}: {len(standard['settings'])} settings, expected 5 to 10")
            if any(set(row) != {"parameter", "value", "why", "reference"} or not all(row.values())
                   for row in standard["settings"]):
                errors.append(f"{swhere}: settings rows need parameter, value, why and reference")
            if not 3 <= len(standard["checks"]) <= 5:
                errors.append(f"{swhere}: {len(standard['checks'])} checks, expected 3 to 5")
            if any(set(row) != {"text", "command"} or not row["text"] for row in standard["checks"]):
                errors.append(f"{swhere}: checks rows need text and command")
            parameters = {row["parameter"] for row in standard["settings"]}
            for deviation in standard["deviations"]:
                if set(deviation) != {"client", "parameter", "value", "reason"}:
                    errors.append(f"{swhere}: deviation keys")
                elif deviation["client"] not in clients:
                    errors.append(f"{swhere}: deviation for unknown client {deviation['client']!r}")
                elif deviation["parameter"] not in parameters:
                    errors.append(f"{swhere}: deviation on unknown parameter {deviation['parameter']!r}")

    procedures = [p for s in SOLUTIONS for p in s["procedures"]]
    standards = [d for s in SOLUTIONS for d in s["standards"]]
    documents = procedures + standards
    if len(SOLUTIONS) < 8:
        errors.append(f"{len(SOLUTIONS)} solutions, expected at least 8")
    if len(procedures) < 20:
        errors.append(f"{len(procedures)} procedures, expected at least 20")
    if len(standards) < 6:
        errors.append(f"{len(standards)} standards, expected at least 6")
    past_due = [d["slug"] for d in documents if d["review_days"] < 0]
    if len(past_due) != 2:
        errors.append(f"{len(past_due)} documents past their review date, expected 2: {past_due}")
    deviations = [d for s in standards for d in s["deviations"]]
    if len(deviations) != 1:
        errors.append(f"{len(deviations)} deviations, expected exactly 1")
    return errors


if __name__ == "__main__":
    import sys
    from collections import Counter

    problems = check()
    for problem in problems:
        print("ERROR", problem)
    procedures = [p for s in SOLUTIONS for p in s["procedures"]]
    standards = [d for s in SOLUTIONS for d in s["standards"]]
    print(f"{len(SOLUTIONS)} solutions, {len(procedures)} procedures, {len(standards)} standards, "
          f"{sum(len(d['settings']) for d in standards)} settings rows, "
          f"{sum(len(d['deviations']) for d in standards)} deviation(s)")
    print("domains:", dict(Counter(s["domain"] for s in SOLUTIONS)))
    print("tiers:", dict(Counter(p["tier"] for p in procedures)))
    print("past review date:", [d["slug"] for d in procedures + standards if d["review_days"] < 0])
    print("client-specific:", [(d["slug"], d["client"]) for d in procedures + standards if d["client"]]
          + [(d["slug"], v["client"]) for d in standards for v in d["deviations"]])
    sys.exit(1 if problems else 0)
